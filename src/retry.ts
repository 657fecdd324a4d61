/**
 * Retries of what a reconnect may cure (a reset connection, a refused channel, a timeout, a
 * host rebooting), with exponential backoff and full jitter, bounded in attempts and in time.
 * Everything else (authentication, host keys, missing vpopmail, bad input) fails at once.
 * What is retried must be safe to run again: in vmigrate every stage re-reads both hosts first.
 */
import { ConnectionError, InterruptedError, VmigrateError } from './errors.js';
import type { Logger } from './log/logger.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts once this long has passed since the first attempt. */
  maxElapsedMs: number;
}

/** About two and a half minutes of patience: long enough for a server's reboot. */
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 6,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxElapsedMs: 10 * 60_000,
};

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

export function isTransient(err: unknown): boolean {
  if (err instanceof ConnectionError) return err.transient;
  if (err instanceof VmigrateError) return false;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  // ssh2's own words for a connection that went away under a request.
  return (
    err instanceof Error && /No response from server|Not connected|Channel open failure/i.test(err.message)
  );
}

/** Full jitter: anywhere between 0 and the exponential ceiling, so retries do not march in step. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(random() * ceiling);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  policy?: RetryPolicy;
  log: Logger;
  signal?: AbortSignal | undefined;
  /** Called before each retry (after the delay was chosen); for progress displays. */
  onRetry?: (info: { what: string; retry: number; delayMs: number; error: Error }) => void;
  random?: () => number;
  now?: () => number;
}

export async function withRetry<T>(
  what: string,
  attempt: (retry: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const now = options.now ?? Date.now;
  const started = now();
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(retry);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('interrupted');
      const elapsed = now() - started;
      if (!isTransient(err) || retry >= policy.retries || elapsed >= policy.maxElapsedMs) throw err;
      const delayMs = Math.min(backoffDelay(retry, policy, options.random), policy.maxElapsedMs - elapsed);
      options.log.warn(
        { what, retry: retry + 1, of: policy.retries, delayMs, err: err.message },
        'transient failure; retrying',
      );
      options.onRetry?.({ what, retry: retry + 1, delayMs, error: err });
      await sleep(delayMs, options.signal);
    }
  }
}
