/** Runs for a terminal: each domain as it ends, the final table of a run, and `status`. */
import type { RunDetail } from '../migration/run-detail.js';
import type { DomainOutcome, MoveRunResult } from '../migration/run-move.js';
import type { RunRecord } from '../state/run-journal.js';
import { formatBytes, renderTable } from './table.js';
import { renderTransfer, renderVerify } from './transfer-view.js';

/** One domain's reports; the full verification table only when asked (a single-domain run). */
export function renderDomainOutcome(
  o: DomainOutcome,
  detail: { verifyTable: boolean; checksum: boolean },
): string {
  const parts: string[] = [];
  if (o.transfer) parts.push(renderTransfer(o.transfer, o.transferSeconds));
  if (o.verify && (detail.verifyTable || o.outcome === 'different'))
    parts.push(renderVerify(o.verify, detail.checksum));
  if (o.status !== 'done')
    parts.push(`${o.domain}: ${o.status.toUpperCase()} in ${o.phase}: ${o.error ?? ''}`);
  else if (!detail.verifyTable)
    parts.push(`${o.domain}: done, verified${detail.checksum ? ' by SHA-256' : ''}`);
  return parts.join('\n\n');
}

/** A domain's outcome for --json: the destination's inventory is left out (it is large). */
export function outcomeJson(o: DomainOutcome): Record<string, unknown> {
  return { ...o, provisioned: o.provisioned ? { ...o.provisioned, destInventory: undefined } : undefined };
}

export function renderRunTable(result: MoveRunResult): string {
  const rows = [
    ...result.alreadyDone.map((d) => [d, 'done (earlier)', '', '', '', '']),
    ...result.outcomes.map((o) => [
      o.domain,
      o.status === 'done' ? 'done' : `${o.status} (${o.phase})`,
      String(o.transfer?.messagesCopied ?? ''),
      o.transfer ? formatBytes(o.transfer.contentBytes) : '',
      o.seconds ? `${o.seconds.toFixed(1)} s` : '',
      (o.error ?? '').split('\n')[0] ?? '',
    ]),
  ];
  return renderTable(['domain', 'outcome', 'messages', 'bytes', 'time', 'reason'], rows);
}

export function resumeHint(run: RunRecord): string {
  if (run.command !== 'move') return `run it again to continue (what it did: vmigrate status ${run.id})`;
  return `resume with: vmigrate resume ${run.id}   (progress: vmigrate status ${run.id}; give it up: vmigrate runs abandon ${run.id})`;
}

export function runStartLine(run: RunRecord): string {
  const req = run.request;
  const what = req.domains.length === 1 ? req.domains[0] : `${req.domains.length} domains`;
  return `run ${run.id}: ${what} from ${req.from} to ${req.to}`;
}

/** A move's result for JSON: each domain's outcome, without the bulky inventories. */
export function moveResultJson(r: MoveRunResult): Record<string, unknown> {
  return {
    run: r.run,
    continued: r.continued,
    status: r.status,
    alreadyDone: r.alreadyDone,
    dataPath: r.dataPath ?? null,
    ...(r.server ? { server: r.server } : {}),
    domains: r.outcomes.map(outcomeJson),
  };
}

export function renderRunList(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'No runs recorded in this state store.';
  return renderTable(
    ['run', 'command', 'from', 'to', 'domains', 'status', 'started', 'finished'],
    runs.map((r) => [
      String(r.id),
      r.command,
      r.source,
      r.destination,
      r.request.domains.length === 1 ? (r.request.domains[0] ?? '') : `${r.request.domains.length} domains`,
      r.status,
      r.startedAt,
      r.finishedAt ?? '',
    ]),
  );
}

export function renderRunDetail(detail: RunDetail): string {
  const { run, domains } = detail;
  const out = [
    `run ${run.id}: ${run.command} from ${run.source} to ${run.destination}, ${run.status}` +
      ` (started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''})`,
    '',
    renderTable(
      ['domain', 'phase', 'attempts', 'mailboxes', 'messages', 'bytes', 'error'],
      domains.map((d) => [
        d.domain,
        d.phase,
        String(d.attempts),
        String(d.mailboxes),
        String(d.messages),
        formatBytes(d.bytes),
        (d.error ?? '').split('\n')[0] ?? '',
      ]),
    ),
  ];
  const failedBoxes = domains.flatMap((d) =>
    d.perMailbox.filter((m) => m.status === 'failed').map((m) => `  ${m.mailbox}: ${m.error ?? ''}`),
  );
  if (failedBoxes.length > 0) out.push('', 'failed mailboxes:', ...failedBoxes);
  if (run.status !== 'done' && run.status !== 'abandoned') out.push('', resumeHint(run));
  return out.join('\n');
}
