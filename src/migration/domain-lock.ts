/**
 * The domain lock: no two vmigrate processes work on one domain of one destination at once.
 * Locally the state store holds it (and knows whether its holder still lives); on the
 * destination a lock directory (remote/lock-dir.ts) names its holder, so two laptops cannot
 * collide either. That directory is also a fence: batches check it before every step, so one
 * left running by a controller that died stops once the lock is taken over, and the new holder
 * waits for the step it was in.
 */
import { hostname } from 'node:os';
import { LockedError, PreconditionError, RemoteCommandError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Fence } from '../remote/batch.js';
import { acquireLockDir, releaseLockDir, takeOverLockDir } from '../remote/lock-dir.js';
import { processAlive } from '../state/liveness.js';
import type { LocalLocks } from '../state/local-locks.js';
import type { Records } from '../state/records.js';
import type { HostHandle } from '../hosts/open-hosts.js';

export interface DomainLock {
  fence: Fence;
  release(): Promise<void>;
}

export interface LockHolder {
  store: string;
  run: number;
  pid: number;
  controller: string;
  since: string;
}

export function ownerLine(h: LockHolder): string {
  return `store=${h.store} run=${h.run} pid=${h.pid} controller=${h.controller} since=${h.since}`;
}

export function parseOwnerLine(line: string): LockHolder | undefined {
  const m = /^store=(\S+) run=(\d+) pid=(\d+) controller=(\S+) since=(\S+)$/.exec(line.trim());
  if (!m) return undefined;
  return { store: m[1]!, run: Number(m[2]), pid: Number(m[3]), controller: m[4]!, since: m[5]! };
}

function describeHolder(h: LockHolder | undefined, raw: string): string {
  if (!h) return raw === '' ? 'an unnamed holder' : `"${raw}"`;
  return `run ${h.run} of another vmigrate (process ${h.pid} on ${h.controller}, since ${h.since})`;
}

/**
 * Whether the holder is known to be gone: a process of this store (whose local lock we hold,
 * so it cannot be alive), or a process of this machine that no longer exists.
 */
export function holderIsGone(holder: LockHolder | undefined, raw: string, storeId: string): boolean {
  if (holder === undefined) return raw === '';
  if (holder.store === storeId) return true;
  return holder.controller === hostname() && !processAlive(holder.pid);
}

export async function lockDomain(input: {
  dest: HostHandle;
  domain: string;
  locks: LocalLocks;
  storeId: string;
  runId: number;
  breakLock: boolean;
  log: Logger;
}): Promise<DomainLock> {
  const { dest, domain, locks, log } = input;
  const vp = dest.caps.vpopmail?.dir;
  if (!vp)
    throw new PreconditionError(`${dest.label} has no vpopmail directory to hold a lock in`, {
      host: dest.label,
    });
  locks.take(dest.label, domain, input.runId);
  const me = ownerLine({
    store: input.storeId,
    run: input.runId,
    pid: process.pid,
    controller: hostname(),
    since: new Date().toISOString(),
  });
  const fence: Fence = { dir: `${vp}/.vmigrate/locks/${domain}`, owner: me };
  // The destination's half first: a local store that cannot be written (its disk full) must
  // not leave the lock on the server behind.
  const release = async () => {
    try {
      await releaseLockDir(dest.remote, fence.dir, me, vp);
    } finally {
      locks.release(dest.label, domain);
    }
  };
  try {
    const got = await acquireLockDir(dest.remote, fence.dir, me);
    if (got.got) return { fence, release };
    const holder = parseOwnerLine(got.holder);
    if (!holderIsGone(holder, got.holder, input.storeId) && !input.breakLock)
      throw new LockedError(`${domain} on ${dest.label} is locked by ${describeHolder(holder, got.holder)}`, {
        host: dest.label,
        hint: `if that vmigrate is gone for good (its machine died, or it ran with another --state), take the lock over with --break-lock; the lock is ${fence.dir}`,
      });
    log.warn(
      { host: dest.label, domain, holder: got.holder },
      'taking over the domain lock of a vmigrate that is gone',
    );
    const took = await takeOverLockDir(dest.remote, fence.dir, got.holder, me);
    if (took.taken) return { fence, release };
    throw new LockedError(
      took.why === 'busy'
        ? `${domain} on ${dest.label}: a step of the previous lock holder is still running after 2 minutes`
        : `${domain} on ${dest.label} was locked by another vmigrate at the same moment (${took.holder})`,
      { host: dest.label },
    );
  } catch (error) {
    locks.release(dest.label, domain);
    if (error instanceof RemoteCommandError)
      throw new LockedError(`cannot lock ${domain} on ${dest.label}: ${error.message}`, {
        host: dest.label,
        cause: error,
      });
    throw error;
  }
}

/** The lock of a run on a host, for this store's records. */
export function lockForRun(
  host: HostHandle,
  domain: string,
  runId: number,
  ctx: { records: Pick<Records, 'locks' | 'storeId'>; log: Logger; breakLock: boolean },
): Promise<DomainLock> {
  return lockDomain({
    dest: host,
    domain,
    locks: ctx.records.locks,
    storeId: ctx.records.storeId,
    runId,
    breakLock: ctx.breakLock,
    log: ctx.log,
  });
}
