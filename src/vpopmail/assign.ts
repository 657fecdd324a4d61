/** Lookups in qmail's users/assign: where vpopmail itself finds a domain, and read-only. */
import type { Remote } from '../remote/remote.js';

/** For each name, the real domain it is assigned to on that host ('' when it is not there). */
export async function assignedDomains(
  remote: Remote,
  qmailDir: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  // Not vdominfo: it rewrites .dir-control (spec 5.10), and a lookup must not write.
  const script =
    'f=$1/users/assign; shift; for a; do ' +
    'printf "%s\\t%s\\n" "$a" "$(awk -F: -v k="+$a-" \'$1 == k { print $2; exit }\' "$f")"; done';
  const r = await remote.run(['sh', '-c', script, 'sh', qmailDir, ...names]);
  return new Map(
    r.stdout
      .toString()
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => l.split('\t') as [string, string]),
  );
}

/** Every real (not alias) vpopmail domain the host's users/assign names, sorted. */
export async function realDomains(remote: Remote, qmailDir: string): Promise<string[]> {
  // An alias domain's line names its real domain in the second field; a vpopmail domain's
  // directory lies under a domains/ directory.
  const script =
    'awk -F: \'/^\\+/ { k = substr($1, 2, length($1) - 2); if (k == $2 && $5 ~ /\\/domains\\//) print k }\' "$1/users/assign"';
  const r = await remote.run(['sh', '-c', script, 'sh', qmailDir]);
  return [
    ...new Set(
      r.stdout
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    ),
  ].sort();
}
