/** Summaries of a transfer and of a verification, for a terminal. */
import type { MailboxVerdict } from '../maildir/verify.js';
import type { TransferReport } from '../migration/transfer.js';
import { formatBytes, renderTable } from './table.js';

export function renderTransfer(r: TransferReport, seconds: number): string {
  const out = [
    `${r.domain}: ${r.mailboxes.length} mailbox(es) synced, ${r.messagesCopied} message(s) copied ` +
      `(${formatBytes(r.contentBytes)}), ${r.renamed} renamed for flags, ${r.deleted ? `${r.deleted} deleted (gone from the source), ` : ''}in ${seconds.toFixed(1)} s ` +
      `(${formatBytes(r.streamBytes / Math.max(seconds, 0.001))}/s)`,
  ];
  for (const f of r.failures) out.push(`  FAILED ${f.label}: ${f.error}`);
  return out.join('\n');
}

export function verifyProblemCount(verdicts: readonly MailboxVerdict[]): number {
  return verdicts.reduce((n, v) => n + v.problems.length, 0);
}

export function renderVerify(verdicts: readonly MailboxVerdict[], checksum: boolean): string {
  const rows: string[][] = [];
  for (const v of verdicts)
    for (const f of v.folders) {
      const same = f.source.messages === f.destination.messages && f.source.bytes === f.destination.bytes;
      rows.push([
        v.label,
        f.folder,
        String(f.source.messages),
        String(f.destination.messages),
        formatBytes(f.source.bytes),
        formatBytes(f.destination.bytes),
        same ? 'ok' : 'DIFFERS',
      ]);
    }
  const out = [
    renderTable(['mailbox', 'folder', 'msgs src', 'msgs dst', 'bytes src', 'bytes dst', ''], rows),
  ];
  const problems = verdicts.flatMap((v) => v.problems.map((p) => ({ ...p, label: v.label })));
  const extra = verdicts.reduce((n, v) => n + v.onlyOnDestination, 0);
  out.push('');
  if (problems.length === 0)
    out.push(
      `No differences${checksum ? ' (contents compared by SHA-256)' : ''}: every source message is on the destination.`,
    );
  else {
    out.push(`${problems.length} difference(s):`);
    for (const p of problems.slice(0, 200))
      out.push(
        `  ${p.label} ${p.path}: ${p.problem}${p.destinationPath ? ` (destination: ${p.destinationPath})` : ''}`,
      );
    if (problems.length > 200) out.push(`  … and ${problems.length - 200} more (use --json for all)`);
  }
  if (extra > 0)
    out.push(`${extra} message(s) exist only on the destination (delivered there): not a difference.`);
  return out.join('\n');
}
