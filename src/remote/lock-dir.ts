/**
 * A lock on a host: a directory made with mkdir (atomic on every filesystem) holding an
 * `owner` line. The same directory is the fence of batches (batch.ts): they check the owner
 * before every step and mark themselves busy (`busy.<pid>`) while one runs.
 */
import type { Remote } from './remote.js';

export type Acquired = { got: true } | { got: false; holder: string };
export type TakenOver = { taken: true } | { taken: false; why: 'busy' | 'changed'; holder: string };

// umask 077: the lock is root's alone, whatever umask root's start-up files set (000 seen).
// Another domain's release removes the parent once it is empty: between this mkdir -p and the
// lock's mkdir it may be gone again, so that is tried anew (a run of two domains at once met it).
const ACQUIRE = [
  'umask 077',
  'l=$1; d=${l%/*}',
  'for i in 1 2 3 4 5; do',
  '  mkdir -p "$d" || exit 1',
  `  if mkdir "$l" 2>/dev/null; then printf '%s\\n' "$2" > "$l/owner" && echo '@@acquired'; exit; fi`,
  '  [ -e "$l" ] && break',
  'done',
  `printf '@@held %s\\n' "$(cat "$l/owner" 2>/dev/null)"`,
].join('\n');

/** Compare-and-swap of the owner, then a wait (bounded) for a step the old holder was in. */
const TAKE_OVER = [
  'umask 077',
  'l=$1',
  'cur=$(cat "$l/owner" 2>/dev/null)',
  `[ "$cur" = "$2" ] || { printf '@@changed %s\\n' "$cur"; exit 0; }`,
  `printf '%s\\n' "$3" > "$l/owner.new" && mv -f "$l/owner.new" "$l/owner" || exit 1`,
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

/** Removes the lock if it still names its owner, then the empty parents up to `keep` (excluded). */
const RELEASE = [
  'l=$1',
  '[ "$(cat "$l/owner" 2>/dev/null)" = "$2" ] || exit 0',
  'rm -f "$l"/owner "$l"/busy.* && rmdir "$l" || exit 1',
  'p=${l%/*}',
  'while [ "$p" != "$3" ] && [ "${p#"$3"/}" != "$p" ]; do rmdir "$p" 2>/dev/null || break; p=${p%/*}; done',
  'exit 0',
].join('\n');

export async function acquireLockDir(remote: Remote, dir: string, owner: string): Promise<Acquired> {
  const out = (await remote.run(['sh', '-c', ACQUIRE, 'vmigrate-lock', dir, owner])).stdout.toString().trim();
  return out === '@@acquired' ? { got: true } : { got: false, holder: out.replace(/^@@held ?/, '') };
}

/** Replaces `holder` by `owner`, then waits up to two minutes for the old holder's step in flight. */
export async function takeOverLockDir(
  remote: Remote,
  dir: string,
  holder: string,
  owner: string,
): Promise<TakenOver> {
  const out = (await remote.run(['sh', '-c', TAKE_OVER, 'vmigrate-lock', dir, holder, owner])).stdout
    .toString()
    .trim();
  if (out === '@@taken') return { taken: true };
  if (out === '@@busy') return { taken: false, why: 'busy', holder };
  return { taken: false, why: 'changed', holder: out.replace(/^@@changed ?/, '') };
}

/** Removes the lock when it is still `owner`'s, and its parents below `keep` once empty. */
export async function releaseLockDir(
  remote: Remote,
  dir: string,
  owner: string,
  keep: string,
): Promise<void> {
  await remote.run(['sh', '-c', RELEASE, 'vmigrate-unlock', dir, owner, keep]);
}
