/**
 * Whether the source can open the direct data path to the destination, asked once and quickly
 * from the source itself: its own ssh client connects to the address it would use, checks the
 * host key the controller verified, and offers no credential (`none`), so nothing is logged in
 * and nothing is written but a temporary known_hosts file. What sshd answers tells the case
 * apart: a refusal of `none` means reachable and the right server. `--data-path auto` takes the
 * direct path only then, and the plan and the run log say which and why.
 *
 * The same command sweeps what the direct path's scripts of ended runs left on the source: a
 * script killed with KILL (its run's controller gone, its session's processes reaped) cannot
 * remove its temporary directory. Each names its shell in \`owner\`; a directory whose owner is
 * no longer running goes, and one without an owner after an hour (killed before it wrote it).
 */
import type { Remote } from '../remote/remote.js';

const SCRIPT = `
hostkey=$1 host=$2 port=$3 login=$4
for o in "\${TMPDIR:-/tmp}"/vmigrate-direct.*; do
  [ -d "$o" ] || continue
  p=$(cat "$o/owner" 2>/dev/null)
  if [ -n "$p" ]; then kill -0 "$p" 2>/dev/null && continue
  else [ -n "$(find "$o" -maxdepth 0 -mmin +60)" ] || continue; fi
  rm -rf -- "$o" && echo "vmigrate-reach-swept: $o"
done
command -v ssh >/dev/null 2>&1 || { echo 'vmigrate-reach: no ssh client'; exit 0; }
umask 077
d=$(mktemp -d "\${TMPDIR:-/tmp}/vmigrate-direct.XXXXXX") || exit 2
trap 'rm -rf -- "$d"' EXIT
echo $$ >"$d/owner"
printf 'vmigrate-dest %s\\n' "$hostkey" >"$d/known_hosts"
ssh -V 2>&1 | sed 's/^/vmigrate-reach-version: /'
ssh -F /dev/null -T -x -a -n -p "$port" -l "$login" -o BatchMode=yes -o ConnectTimeout=5 \\
  -o HostKeyAlias=vmigrate-dest -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$d/known_hosts" \\
  -o GlobalKnownHostsFile=/dev/null -o PreferredAuthentications=none -o ControlPath=none \\
  "$host" true 2>&1
echo "vmigrate-reach-status: $?"
`;

export type Reach = { ok: true; client: string } | { ok: false; why: string };

/** The temporary directories of ended runs the probe removed from the source. Pure. */
export function sweptLeftovers(output: string): string[] {
  return [...output.matchAll(/^vmigrate-reach-swept: (.*)$/gm)].map((m) => m[1]!);
}

/** What the source's ssh said, as a verdict. Pure. */
export function reachVerdict(output: string, where: string): Reach {
  const client = /^vmigrate-reach-version: (.*)$/m.exec(output)?.[1]?.trim() ?? '';
  if (/vmigrate-reach: no ssh client/.test(output)) return { ok: false, why: 'the source has no ssh client' };
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* differs/i.test(output))
    return {
      ok: false,
      why: `the server the source reaches at ${where} is not the destination (another host key)`,
    };
  if (/Permission denied|Too many authentication failures|no more authentication methods/i.test(output))
    return { ok: true, client };
  const said = output
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('vmigrate-reach'))
    .at(-1);
  return { ok: false, why: `the source cannot reach ${where}${said ? `: ${said.trim()}` : ''}` };
}

export async function probeReach(
  source: Remote,
  to: { hostKey: string; host: string; port: number; login: string },
): Promise<Reach & { swept: string[] }> {
  const r = await source.run(
    ['sh', '-c', SCRIPT, 'vmigrate-reach', to.hostKey, to.host, String(to.port), to.login],
    { timeoutMs: 30_000 },
  );
  const out = r.stdout.toString();
  return { ...reachVerdict(out, `${to.host}:${to.port}`), swept: sweptLeftovers(out) };
}
