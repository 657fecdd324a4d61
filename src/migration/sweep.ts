/**
 * The sweep after the switch (docs/live-migration.md, step 5): messages qmail-send had
 * classified as local before the reload still deliver into the source's Maildirs once the
 * freeze is lifted (spec 15). Each pass reads the source's queue, then syncs; the sweep ends
 * when nothing local is queued for the domain and a pass copies nothing. The queue is read
 * before each pass, so a delivery that ends during a pass is either copied by it or still
 * counted as queued.
 */
import { PreconditionError } from '../errors.js';
import type { HostPair } from '../hosts/open-hosts.js';
import type { Logger } from '../log/logger.js';
import type { CutoverPlan } from '../state/cutovers.js';
import { pendingFor } from '../vpopmail/qmail-control.js';
import { readQmailQueue } from '../vpopmail/qmail-send.js';
import type { TransferReport } from './transfer.js';

export interface SweepReport {
  passes: number;
  copied: number;
  /** Local deliveries found queued at the first pass. */
  queuedAtStart: number;
}

/** Slack between the source's clock reading after the reload and qmail-qread's seconds. */
const CLOCK_SLACK_S = 2;
/** How often qmail-send is nudged (SIGALRM) while local deliveries wait. */
const HURRY_EVERY_MS = 10_000;

export async function sweepLateDeliveries(
  hosts: HostPair,
  plan: CutoverPlan,
  o: {
    reloadedAt: number;
    timeoutMs: number;
    intervalMs: number;
    signal: AbortSignal;
    log: Logger;
    pass: () => Promise<TransferReport>;
    hurry: () => Promise<void>;
  },
): Promise<SweepReport> {
  const deadline = Date.now() + o.timeoutMs;
  const report: SweepReport = { passes: 0, copied: 0, queuedAtStart: 0 };
  let hurried = Date.now();
  for (;;) {
    o.signal.throwIfAborted();
    const pending = pendingFor(await readQmailQueue(hosts.source.remote, plan.qmailDir), plan.names, 'local');
    if (report.passes === 0) report.queuedAtStart = pending.length;
    const late = pending.filter((m) => m.queuedAt > o.reloadedAt + CLOCK_SLACK_S);
    if (late.length > 0)
      throw new PreconditionError(
        `qmail-send on ${hosts.source.label} still delivers ${plan.names[0]} locally after the reload: message #${late[0]!.id} came in after it`,
        {
          host: hosts.source.label,
          hint: 'the reload did not reach the qmail-send that runs; give the right command with --reload-command and run the same command again',
        },
      );
    const pass = await o.pass();
    report.passes++;
    report.copied += pass.messagesCopied;
    if (pass.failures.length > 0)
      throw new PreconditionError(
        `a sweep pass failed for ${pass.failures.map((f) => `${f.label} (${f.error})`).join(', ')}`,
        { hint: 'run the same command again: the sweep continues' },
      );
    if (pass.interrupted.length > 0) o.signal.throwIfAborted();
    if (pending.length === 0 && pass.messagesCopied === 0) return report;
    if (Date.now() > deadline)
      throw new PreconditionError(
        `${pending.length} local deliveries for ${plan.names.join(', ')} are still queued on ${hosts.source.label} (${pending
          .slice(0, 5)
          .map((m) => `#${m.id}`)
          .join(', ')})`,
        {
          host: hosts.source.label,
          hint: 'see why with qmail-qread and the qmail-send log there; run the same command again to continue the sweep',
        },
      );
    if (pending.length > 0 && Date.now() - hurried > HURRY_EVERY_MS) {
      await o.hurry();
      hurried = Date.now();
    }
    o.log.debug({ pending: pending.length, copied: pass.messagesCopied }, 'sweep pass');
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
