/** Terminal rendering of `hosts check` rows. */
import type { HostCheckRow } from '../hosts/check.js';
import { formatBytes, renderTable } from './table.js';

export function renderHostChecks(rows: readonly HostCheckRow[]): string {
  const table = renderTable(
    ['HOST', 'ADDRESS', 'HOST KEY', 'SYSTEM', 'VPOPMAIL', 'UID:GID', 'FREE', 'OPTIONAL', 'STATUS'],
    rows.map((r) => {
      const c = r.capabilities;
      const v = c?.vpopmail;
      const optional = c
        ? Object.entries(c.programs)
            .filter(([, path]) => path)
            .map(([name]) => name)
            .join(',')
        : '';
      return [
        r.host,
        (r.address ?? '?') + (r.via.length ? ` via ${r.via.join(' > ')}` : ''),
        r.hostKey ? `${r.hostKey.type} ${r.hostKey.fingerprint}` : '-',
        c ? `${c.os} ${c.osRelease}`.trim() : '-',
        v ? `${v.dir} ${v.version ?? (v.bin ? '?' : '(no bin)')}` : '-',
        v ? `${v.uid ?? '?'}:${v.gid ?? '?'}` : '-',
        c ? formatBytes(c.diskFreeBytes) : '-',
        optional || '-',
        r.error ? 'FAILED' : r.ok ? 'ok' : 'UNFIT',
      ];
    }),
  );
  const notes = rows.flatMap((r) => [
    ...(r.hostKey?.recordedIn ? [`${r.host}: new host key recorded in ${r.hostKey.recordedIn}`] : []),
    ...r.problems.map((p) => `${r.host}: ${p}`),
    ...(r.error
      ? [`${r.host}: ${r.error.message}`, ...(r.error.hint ? [`  hint: ${r.error.hint}`] : [])]
      : []),
  ]);
  return notes.length ? `${table}\n\n${notes.join('\n')}` : table;
}
