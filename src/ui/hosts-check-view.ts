/**
 * Terminal rendering of `hosts check`: one short block per host, so that it fits an 80-column
 * terminal whatever the fingerprints and paths (a table of every field was 230 columns wide).
 */
import type { HostCheckRow } from '../hosts/check.js';
import { formatBytes } from './table.js';

function block(r: HostCheckRow): string[] {
  const c = r.capabilities;
  const v = c?.vpopmail;
  const status = r.error ? 'FAILED' : r.ok ? 'ok' : 'UNFIT';
  const lines = [`${r.host}: ${status}`];
  const field = (name: string, value: string | undefined) => {
    if (value) lines.push(`  ${`${name}:`.padEnd(10)} ${value}`);
  };
  field('address', r.address && `${r.user ? `${r.user} @ ` : ''}${r.address}`);
  field('via', r.via.join(' > '));
  field('host key', r.hostKey && `${r.hostKey.type} ${r.hostKey.fingerprint}`);
  field('system', c && `${c.os} ${c.osRelease}`.trim());
  field(
    'vpopmail',
    v &&
      `${v.dir}, version ${v.version ?? (v.bin ? '?' : '(no programs)')}${v.backend ? ` (${v.backend})` : ''}, uid:gid ${v.uid ?? '?'}:${v.gid ?? '?'}`,
  );
  field('qmail', c?.qmail.dir);
  field('free', c && `${formatBytes(c.diskFreeBytes)}, ${c.inodesFree ?? '?'} inodes`);
  const optional =
    c &&
    Object.entries(c.programs)
      .filter(([, path]) => path)
      .map(([name]) => name)
      .join(', ');
  field('optional', optional || (c ? 'none' : undefined));
  if (r.hostKey?.recordedIn) lines.push(`  new host key recorded in ${r.hostKey.recordedIn}`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  if (r.problems.length > 0 && r.systemSource)
    lines.push('  fit as the source of move --from-system (its mail users are Unix accounts)');
  if (r.error) {
    lines.push(`  error: ${r.error.message}`);
    if (r.error.hint) lines.push(`  hint: ${r.error.hint}`);
  }
  return lines;
}

export function renderHostChecks(rows: readonly HostCheckRow[]): string {
  return rows.map((r) => block(r).join('\n')).join('\n\n');
}
