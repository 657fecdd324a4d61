/**
 * Putting the direct path's grant line (direct-grant.ts) on the destination and taking it off
 * again. The line goes into the first file the destination's sshd reads keys from for the
 * login (`sshd -T` for that login and the source's address; `.ssh/authorized_keys` where sshd
 * cannot be asked), created with the modes StrictModes wants; removal rewrites the file in
 * place (same inode, owner and mode) without the lines that end with the run's marker.
 */
import { ConnectionError, VmigrateError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { endedInput, readEndedInput } from '../remote/whole-script.js';
import { GRANT_MARKER } from './direct-grant.js';

// The first file sshd reads keys from for the login: $f.
const LOCATE = `
u=$1 addr=$2
home=$(getent passwd "$u" 2>/dev/null | cut -d: -f6)
[ -n "$home" ] || home=$(awk -F: -v u="$u" '$1 == u { print $6; exit }' /etc/passwd)
[ -n "$home" ] || { echo "vmigrate: $u has no home directory" >&2; exit 3; }
sshd=$(command -v sshd || echo /usr/sbin/sshd)
files=$("$sshd" -T -C "user=$u,host=vmigrate-direct,addr=$addr" 2>/dev/null |
  awk '$1 == "authorizedkeysfile" { $1 = ""; print; exit }')
set -f
set -- $files
set +f
f=\${1:-.ssh/authorized_keys}
case $f in none) echo "vmigrate: sshd reads no authorized_keys file for $u" >&2; exit 3 ;; esac
f=$(printf '%s\\n' "$f" | awk -v h="$home" -v u="$u" '{ gsub(/%h/, h); gsub(/%u/, u); gsub(/%%/, "%"); print }')
case $f in /*) ;; *) f=$home/$f ;; esac
`;

const INSTALL = `${LOCATE}
umask 077
d=\${f%/*}
[ -d "$d" ] || { mkdir -p "$d" && chown "$u" "$d"; } || exit 3
[ -e "$f" ] || { : >"$f" && chown "$u" "$f"; } || exit 3
# A line cut on its way (its controller killed) could still be a valid key without the
# comment its removal looks for: a grant nothing would take back.
${readEndedInput('line', 'the grant', 3)}
# A last line without its newline would swallow the grant.
[ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ] && printf '\\n' >>"$f"
printf '%s\\n' "$line" >>"$f" || exit 3
printf '%s\\n' "$f"
`;

const REMOVE = `
f=$1 m=" $2"
[ -f "$f" ] || { echo 0; exit 0; }
t=$f.vmigrate-direct.$$
: >"$t" || exit 3
awk -v m="$m" -v t="$t" 'length($0) >= length(m) && substr($0, length($0) - length(m) + 1) == m { n++; next }
  { print > t } END { print n + 0 }' "$f" && cat "$t" >"$f"
st=$?
rm -f "$t"
exit $st
`;

/** Runs a grant script; its stdout, or an error that says what it could not do, and why. */
async function grantScript(dest: Remote, what: string, argv: string[], stdin?: string): Promise<string> {
  const r = await dest.exec(['sh', '-c', ...argv], stdin === undefined ? {} : { stdin });
  // A lost connection is worth another try (the retry policy's); anything else is said as is.
  if (r.lost)
    throw new ConnectionError(`cannot ${what} on ${dest.label}: the connection was lost`, {
      host: dest.label,
    });
  if (r.code !== 0)
    throw new VmigrateError(
      `cannot ${what} on ${dest.label}: ${r.stderr.trim().split('\n').pop() || `exit status ${r.code ?? r.signal}`}`,
      { host: dest.label },
    );
  return r.stdout.toString().trim();
}

/** Adds the line for `login`; the file it went into. */
export async function installGrant(
  dest: Remote,
  o: { login: string; sourceAddress: string; line: string },
): Promise<string> {
  return grantScript(
    dest,
    `add the direct grant for ${o.login}`,
    [INSTALL, 'vmigrate-grant', o.login, o.sourceAddress],
    endedInput(`${o.line}\n`),
  );
}

/** The file a grant for `login` goes into (a grant journaled before its file was known). */
export async function grantFileFor(dest: Remote, login: string): Promise<string> {
  const r = await dest.run([
    'sh',
    '-c',
    `${LOCATE}\nprintf '%s\\n' "$f"`,
    'vmigrate-grant',
    login,
    '127.0.0.1',
  ]);
  return r.stdout.toString().trim();
}

/** Removes every line of `marker` from `file`; how many there were. */
export async function removeGrant(dest: Remote, file: string, marker: string): Promise<number> {
  if (!GRANT_MARKER.test(marker)) throw new Error(`not a grant marker: ${marker}`);
  return (
    Number(
      await grantScript(dest, `remove the direct grant from ${file}`, [
        REMOVE,
        'vmigrate-ungrant',
        file,
        marker,
      ]),
    ) || 0
  );
}
