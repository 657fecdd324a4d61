/** Summaries of a transfer and of a verification, for a terminal. */
import { showName } from '../maildir/byte-names.js';
import { messageKey } from '../maildir/delta.js';
import { folderName, type MailboxVerdict, type MessageProblem } from '../maildir/verify.js';
import type { TransferReport } from '../migration/transfer.js';
import { formatBytes, renderTable } from './table.js';

export function renderTransfer(r: TransferReport, seconds: number): string {
  const out = [
    `${r.domain}: ${r.mailboxes.length} mailbox(es) synced, ${r.messagesCopied} message(s) copied ` +
      `(${formatBytes(r.contentBytes)}), ${r.renamed} renamed for flags, ${r.deleted ? `${r.deleted} deleted (gone from the source), ` : ''}in ${seconds.toFixed(1)} s ` +
      `(${formatBytes(r.streamBytes / Math.max(seconds, 0.001))}/s)`,
  ];
  if (r.vanished > 0)
    out.push(
      `  ${r.vanished} message(s) vanished from the source while being copied (the next sync sees where they went)`,
    );
  for (const n of r.notCopied) out.push(`  not copied: ${n.label} ${n.path} (${n.kind})`);
  if (r.leftOut > 0)
    out.push(`  ${r.leftOut} message(s) deleted or moved away by a user on the destination: not sent again`);
  for (const k of r.keptOnDestination)
    out.push(`  kept as on the destination: ${k.label} ${k.path}: ${k.why}`);
  for (const f of r.failures) out.push(`  FAILED ${f.label}: ${f.error}`);
  return out.join('\n');
}

const PROBLEM: Record<MessageProblem['problem'], string> = {
  missing: 'missing on the destination',
  size: 'size differs',
  flags: 'flags or folder differ',
  checksum: 'content differs (SHA-256)',
  unreadable: 'no checksum on one side (unreadable or vanished): not compared',
};

export function verifyProblemCount(verdicts: readonly MailboxVerdict[]): number {
  return verdicts.reduce((n, v) => n + v.problems.length, 0);
}

export function renderVerify(verdicts: readonly MailboxVerdict[], checksum: boolean): string {
  const rows: string[][] = [];
  for (const v of verdicts) {
    // A folder differs when one of its messages does: more messages on the destination alone
    // (mail delivered there) is not a difference, and the summary below says so too.
    const differing = new Set(
      v.problems.map((p) => {
        const k = messageKey(p.path);
        return k ? folderName(k.folder) : '';
      }),
    );
    for (const f of v.folders) {
      const same = f.source.messages === f.destination.messages && f.source.bytes === f.destination.bytes;
      rows.push([
        v.label,
        f.folder,
        String(f.source.messages),
        String(f.destination.messages),
        formatBytes(f.source.bytes),
        formatBytes(f.destination.bytes),
        differing.has(f.folder)
          ? 'DIFFERS'
          : same
            ? 'ok'
            : f.destination.messages >= f.source.messages
              ? 'ok (more on the destination)'
              : 'ok (users changed it on the destination)',
      ]);
    }
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
        `  ${p.label} ${showName(p.path)}: ${PROBLEM[p.problem]}${p.destinationPath && p.destinationPath !== p.path ? ` (destination: ${showName(p.destinationPath)})` : ''}`,
      );
    if (problems.length > 200) out.push(`  … and ${problems.length - 200} more (use --json for all)`);
  }
  if (extra > 0) out.push(`${extra} message(s) delivered on the destination itself: not a difference.`);
  const changed = verdicts.reduce((n, v) => n + v.changedOnDestination, 0);
  if (changed > 0)
    out.push(
      `${changed} message(s) changed, moved or deleted by users on the destination since vmigrate copied them: kept, not a difference.`,
    );
  const gone = verdicts.reduce((n, v) => n + v.deletedOnSource, 0);
  if (gone > 0)
    out.push(
      `${gone} message(s) deleted on the source after vmigrate copied them (sync --delete removes them): not a difference.`,
    );
  const notCopied = verdicts.flatMap((v) => v.notCopied.map((n) => ({ ...n, label: v.label })));
  if (notCopied.length > 0) {
    out.push(`${notCopied.length} entr(ies) of the source that vmigrate does not copy (not messages):`);
    for (const n of notCopied.slice(0, 200)) out.push(`  ${n.label} ${n.path}: ${n.kind}`);
  }
  const unreadable = verdicts.flatMap((v) => v.unreadable.map((n) => ({ ...n, label: v.label })));
  if (unreadable.length > 0) {
    out.push(
      `${unreadable.length} message(s) on the source whose mode lets not even their owner read them: vpopmail cannot open them there, nor on the destination, where they are copied as they are (chmod u+r makes them mail again):`,
    );
    for (const n of unreadable.slice(0, 200)) out.push(`  ${n.label} ${n.path}: mode ${n.mode}`);
  }
  return out.join('\n');
}

/** Verdicts for --json: every path as showName prints it (exact, and pastes into a shell). */
export function verdictsForJson(verdicts: readonly MailboxVerdict[]): MailboxVerdict[] {
  return verdicts.map((v) => ({
    ...v,
    problems: v.problems.map((p) => ({
      ...p,
      path: showName(p.path),
      ...(p.destinationPath === undefined ? {} : { destinationPath: showName(p.destinationPath) }),
    })),
  }));
}
