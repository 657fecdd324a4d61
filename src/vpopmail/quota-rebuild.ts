/**
 * maildirsize after messages moved: the Maildir++ quota file (`<quota>\n<bytes> <count>\n`)
 * counted afresh, as vpopmail counts it (spec §4.7: `cur` and `new` of the Maildir and of every
 * folder but `.Trash`; a message's size from `,S=` in its name, else from the file), for the
 * mailboxes a pass changed, in one command and one `find` for all of them.
 *
 * vpopmail's own way is `vsetuserquota` or `vmoduser -q` per user, which also rewrites vpasswd
 * (and, without -n, vpasswd.cdb) whole for each one: a domain of N changed mailboxes paid N
 * processes and N rewrites of an N-line file, the larger part of moving 1,000 small mailboxes.
 * The file is a cache that vpopmail itself counts again whenever it is older than 15 minutes or
 * over 5,120 bytes; vpasswd is not touched. Like vpopmail, the old file is removed first, so
 * nothing is ever written through a link standing in its place.
 */
import { fenceCheck, type Fence } from '../remote/batch.js';
import type { Arg } from '../remote/quote.js';
import { endedInput, readEndedInput } from '../remote/whole-script.js';
import type { InventoryUser } from './inventory-types.js';

/** stdin: `<quota> <Maildir>` lines, then `@@end`; $1: the owner (uid:gid). */
const SCRIPT = `owner=$1
umask 077
# A list cut on its way (its controller killed) would end in a Maildir's path cut short.
${readEndedInput('list', 'the list of Maildirs', 1)}
# The Maildirs that are directories, NUL-separated (no shell loop reading line by line: that
# costs a system call per byte).
maildirs() {
  printf '%s\\n' "$list" | sed 's/^[^ ]* //' | tr '\\n' '\\0' |
    xargs -0 -r sh -c 'for m; do [ -d "$m" ] && [ ! -L "$m" ] && printf "%s\\0" "$m"; done' sh
}
# The old files go first, links included (never followed): one find for all of them.
maildirs | xargs -0 -r sh -c 'find -P "$@" -maxdepth 1 -name maildirsize ! -type d -delete' sh || exit 1
# One line per message: its size, its Maildir, its name (newlines in a name made harmless).
# The size is read from the file only when its name does not say it: no stat per message.
{
  printf '%s\\n' "$list"
  echo '@@'
  # The Maildirs are absolute paths: xargs puts them before find's expression.
  maildirs | xargs -0 -r sh -c 'find -P "$@" -mindepth 2 -maxdepth 3 -type f \\
    \\( -path "*/Maildir/cur/*" -o -path "*/Maildir/new/*" -o -path "*/Maildir/.*/cur/*" -o -path "*/Maildir/.*/new/*" \\) \\
    ! -path "*/Maildir/.Trash/*" \\( -name "*,S=[0-9]*" -printf "-\\t%H\\t%f\\0" -o -printf "%s\\t%H\\t%f\\0" \\)' sh |
    tr '\\n\\0' '?\\n'
} | awk -F '\\t' '
  !listed && $0 == "@@" { listed = 1; next }
  !listed { q = $0; sub(/ .*/, "", q); m = substr($0, length(q) + 2); quota[m] = q; next }
  {
    s = $1; n = substr($0, length($1) + length($2) + 3)
    if (match(n, /,S=[0-9]+/)) s = substr(n, RSTART + 3, RLENGTH - 3)
    bytes[$2] += s; count[$2]++
  }
  END {
    for (m in quota) {
      f = m "/maildirsize"
      printf "%s\\n%d %d\\n", quota[m], bytes[m], count[m] > f
      close(f)
      print f
    }
  }' | tr '\\n' '\\0' | xargs -0 -r chown -- "$owner"
`;

/** The users whose quota file a pass must count again: changed, and under a quota. */
export function quotaFileUsers<U extends Pick<InventoryUser, 'name' | 'quota'>>(
  users: readonly U[],
  changed: ReadonlySet<string>,
): U[] {
  return users.filter((u) => changed.has(u.name) && u.quota !== 'NOQUOTA' && u.quota !== '');
}

/** The command and its stdin; undefined when there is nothing to count. */
export function quotaFilesCommand(
  users: ReadonlyArray<Pick<InventoryUser, 'quota' | 'dir'>>,
  owner: { uid: number; gid: number },
  fence?: Fence,
): { argv: Arg[]; stdin: string } | undefined {
  if (users.length === 0) return undefined;
  const bad = users.find((u) => /\s/.test(u.quota) || /[\n\t]/.test(u.dir));
  if (bad) throw new Error(`cannot count the quota file of ${bad.dir}: quota ${JSON.stringify(bad.quota)}`);
  return {
    argv: [
      'sh',
      '-c',
      `${fence ? `${fenceCheck(fence)}\n` : ''}${SCRIPT}`,
      'sh',
      `${owner.uid}:${owner.gid}`,
    ],
    stdin: endedInput(users.map((u) => `${u.quota} ${u.dir.replace(/\/+$/, '')}/Maildir\n`).join('')),
  };
}
