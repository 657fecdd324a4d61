import { describe, expect, it } from 'vitest';
import { AuthenticationError, ConnectionError, HostKeyError, UsageError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { backoffDelay, isTransient, withRetry, type RetryPolicy } from '../../src/retry.js';

const fast: RetryPolicy = { retries: 3, baseDelayMs: 1, maxDelayMs: 4, maxElapsedMs: 10_000 };

describe('retries', () => {
  it('tell what a reconnect may cure from what it cannot', () => {
    expect(isTransient(new ConnectionError('reset'))).toBe(true);
    expect(isTransient(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(new Error('No response from server'))).toBe(true);
    expect(isTransient(new AuthenticationError('denied'))).toBe(false);
    expect(isTransient(new HostKeyError('changed'))).toBe(false);
    expect(isTransient(new UsageError('bad name'))).toBe(false);
    expect(isTransient(new Error('tar: Cannot open: Permission denied'))).toBe(false);
  });

  it('back off exponentially under a ceiling, with jitter below it', () => {
    const p: RetryPolicy = { retries: 10, baseDelayMs: 1000, maxDelayMs: 60_000, maxElapsedMs: 1e9 };
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, p, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 60_000,
    ]);
    expect(backoffDelay(3, p, () => 0)).toBe(0);
    expect(backoffDelay(3, p, () => 0.5)).toBe(4000);
  });

  it('retry transient failures until one attempt succeeds, logging each retry', async () => {
    const seen: number[] = [];
    let calls = 0;
    const r = await withRetry(
      'job',
      (n) => {
        calls++;
        if (n < 2) return Promise.reject(new ConnectionError('cut'));
        return Promise.resolve('ok');
      },
      { policy: fast, log: silentLogger(), onRetry: (i) => seen.push(i.retry) },
    );
    expect(r).toBe('ok');
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it('fail at once on a permanent error, and give up after the bound', async () => {
    let calls = 0;
    await expect(
      withRetry('job', () => (calls++, Promise.reject(new AuthenticationError('denied'))), {
        policy: fast,
        log: silentLogger(),
      }),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry('job', () => (calls++, Promise.reject(new ConnectionError('cut'))), {
        policy: fast,
        log: silentLogger(),
      }),
    ).rejects.toThrow('cut');
    expect(calls).toBe(4);
  });

  it('stop retrying when time runs out, and when the run is stopped', async () => {
    let t = 0;
    let calls = 0;
    await expect(
      withRetry('job', () => ((calls++, (t += 6000)), Promise.reject(new ConnectionError('cut'))), {
        policy: { ...fast, maxElapsedMs: 10_000 },
        log: silentLogger(),
        now: () => t,
      }),
    ).rejects.toThrow('cut');
    expect(calls).toBe(2);
    const stop = new AbortController();
    stop.abort(new Error('stopped by the operator'));
    await expect(
      withRetry('job', () => Promise.reject(new ConnectionError('cut')), {
        policy: fast,
        log: silentLogger(),
        signal: stop.signal,
      }),
    ).rejects.toThrow('stopped by the operator');
  });
});
