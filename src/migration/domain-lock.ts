/**
 * The domain lock: no two vmigrate processes work on one domain of one destination at once.
 * Locally the state store holds it (and knows whether its holder still lives); on the
 * destination a directory made with mkdir (atomic on every filesystem) names its holder, so two
 * laptops cannot collide either. The destination's lock is also a fence: batches check it
 * before every step (see batch.ts), so one left running by a controller that died stops when
 * the lock is taken over, and the new holder waits for the step it was in.
 */
import { hostname } from 'node:os';
import { LockedError, PreconditionError, RemoteCommandError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Fence } from '../remote/batch.js';
import type { RunStore } from '../state/runs.js';
import type { HostHandle } from './preflight.js';

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

const ACQUIRE = [
  'd=$1/.vmigrate/locks; l=$d/$2',
  'mkdir -p "$d" || exit 1',
  `if mkdir "$l" 2>/dev/null; then printf '%s\\n' "$3" > "$l/owner" && echo '@@acquired'; exit; fi`,
  `printf '@@held %s\\n' "$(cat "$l/owner" 2>/dev/null)"`,
].join('\n');

/** Compare-and-swap of the owner, then a wait (bounded) for a step the old holder was in. */
const TAKE_OVER = [
  'l=$1/.vmigrate/locks/$2',
  'cur=$(cat "$l/owner" 2>/dev/null)',
  `[ "$cur" = "$3" ] || { printf '@@changed %s\\n' "$cur"; exit 0; }`,
  `printf '%s\\n' "$4" > "$l/owner.new" && mv -f "$l/owner.new" "$l/owner" || exit 1`,
  'n=0',
  'for b in "$l"/busy.*; do',
  '  [ -e "$b" ] || continue',
  '  while kill -0 "${b##*.}" 2>/dev/null; do',
  `    n=$((n + 1)); [ $n -le 120 ] || { echo '@@busy'; exit 0; }; sleep 1`,
  '  done',
  '  rm -f "$b"',
  'done',
  "echo '@@taken'",
].join('\n');

const RELEASE = [
  'd=$1/.vmigrate/locks; l=$d/$2',
  '[ "$(cat "$l/owner" 2>/dev/null)" = "$3" ] || exit 0',
  'rm -f "$l"/owner "$l"/busy.* && rmdir "$l"',
  // Leave no trace once no domain is locked.
  'rmdir "$d" "$1/.vmigrate" 2>/dev/null; exit 0',
].join('\n');

function describeHolder(h: LockHolder | undefined, raw: string): string {
  if (!h) return raw === '' ? 'an unnamed holder' : `"${raw}"`;
  return `run ${h.run} of another vmigrate (process ${h.pid} on ${h.controller}, since ${h.since})`;
}

export async function lockDomain(input: {
  dest: HostHandle;
  domain: string;
  runs: RunStore;
  storeId: string;
  runId: number;
  breakLock: boolean;
  log: Logger;
}): Promise<DomainLock> {
  const { dest, domain, runs, log } = input;
  const vp = dest.caps.vpopmail?.dir;
  if (!vp)
    throw new PreconditionError(`${dest.label} has no vpopmail directory to hold a lock in`, {
      host: dest.label,
    });
  runs.lockDomain(dest.label, domain, input.runId);
  const me = ownerLine({
    store: input.storeId,
    run: input.runId,
    pid: process.pid,
    controller: hostname(),
    since: new Date().toISOString(),
  });
  const fence: Fence = { dir: `${vp}/.vmigrate/locks/${domain}`, owner: me };
  const release = async () => {
    runs.unlockDomain(dest.label, domain);
    await dest.remote.run(['sh', '-c', RELEASE, 'vmigrate-unlock', vp, domain, me]);
  };
  try {
    const got = (await dest.remote.run(['sh', '-c', ACQUIRE, 'vmigrate-lock', vp, domain, me])).stdout
      .toString()
      .trim();
    if (got === '@@acquired') return { fence, release };
    const raw = got.replace(/^@@held ?/, '');
    const holder = parseOwnerLine(raw);
    // This store's local lock is ours, so any holder from this store is a process that died.
    const ours = holder === undefined ? raw === '' : holder.store === input.storeId;
    if (!ours && !input.breakLock)
      throw new LockedError(`${domain} on ${dest.label} is locked by ${describeHolder(holder, raw)}`, {
        host: dest.label,
        hint: `if that vmigrate is gone for good (its machine died), take the lock over with --break-lock; the lock is ${fence.dir}`,
      });
    log.warn(
      { host: dest.label, domain, holder: raw },
      'taking over the domain lock of a vmigrate that is gone',
    );
    const took = (await dest.remote.run(['sh', '-c', TAKE_OVER, 'vmigrate-lock', vp, domain, raw, me])).stdout
      .toString()
      .trim();
    if (took === '@@taken') return { fence, release };
    throw new LockedError(
      took === '@@busy'
        ? `${domain} on ${dest.label}: a step of the previous lock holder is still running after 2 minutes`
        : `${domain} on ${dest.label} was locked by another vmigrate at the same moment (${took.replace(/^@@changed ?/, '')})`,
      { host: dest.label },
    );
  } catch (error) {
    runs.unlockDomain(dest.label, domain);
    if (error instanceof RemoteCommandError)
      throw new LockedError(`cannot lock ${domain} on ${dest.label}: ${error.message}`, {
        host: dest.label,
        cause: error,
      });
    throw error;
  }
}
