import { RunCommand, runFlags } from '../src/cli/run-command.js';
import { domainArg, pairFlags } from '../src/cli/pair-flags.js';
import { transferFlags } from '../src/cli/transfer-flags.js';
import { ExitCode } from '../src/errors.js';
import type { TransferReport } from '../src/migration/transfer.js';
import type { MoveRequest } from '../src/state/runs.js';
import { syncDomain } from '../src/migration/sync-domain.js';
import { progressFor } from '../src/ui/progress.js';
import { renderTransfer } from '../src/ui/transfer-view.js';
import { validateDomain } from '../src/vpopmail/names.js';

export default class Sync extends RunCommand {
  static override summary =
    'One delta pass over every mailbox of a domain already provisioned on the destination.';
  static override description =
    'Lists both sides of each mailbox, renames on the destination what only changed its flags or moved from new/ ' +
    'to cur/ (no content sent), and streams what the destination lacks. Repeat it as often as you like; messages ' +
    'that exist only on the destination are never touched, and with --delete a message is removed from the ' +
    'destination only when vmigrate itself copied it there and the source has since deleted it.';
  static override examples = [
    '<%= config.bin %> sync example.com --from old --to new',
    '<%= config.bin %> sync example.com --from old --to new --json',
  ];
  static override args = domainArg;
  static override flags = { from: pairFlags.from, to: pairFlags.to, ...transferFlags, ...runFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Sync);
    const domain = validateDomain(args.domain);
    const session = this.openSession(flags);
    const runs = this.openStore();
    // Recorded like a move (so `status` shows it and the domain is locked), but not resumable:
    // a sync that stopped is simply run again.
    const run = runs.create('sync', syncRequest(domain, flags));
    this.onHardStop = () => runs.finish(run.id, 'interrupted');
    let report: TransferReport;
    const started = Date.now();
    try {
      report = await syncDomain(session, runs, run, domain, {
        from: flags.from,
        to: flags.to,
        concurrency: flags.concurrency,
        compress: flags.compress,
        deleteCopied: flags.delete,
        breakLock: flags['break-lock'],
        storeId: this.store!.id,
        log: this.runLog!.logger,
        signal: this.abort.signal,
        progress: (mailboxes) => progressFor(flags.json, mailboxes),
      });
    } catch (error) {
      // Recorded as ended, so that `status` does not show a sync that will never resume.
      runs.finish(run.id, this.abort.signal.aborted ? 'interrupted' : 'failed');
      throw error;
    }
    const ok = report.failures.length === 0 && report.interrupted.length === 0;
    runs.setPhase(
      run.id,
      domain,
      ok ? 'done' : 'failed',
      ok ? undefined : `${report.failures.length} mailbox(es) failed`,
    );
    runs.finish(run.id, report.interrupted.length > 0 ? 'interrupted' : ok ? 'done' : 'failed');
    this.log(
      flags.json
        ? JSON.stringify({ event: 'summary', ...report })
        : renderTransfer(report, (Date.now() - started) / 1000),
    );
    if (report.interrupted.length > 0) this.exitWith(ExitCode.interrupted);
    if (report.failures.length > 0) this.exitWith(ExitCode.failure);
  }
}

function syncRequest(
  domain: string,
  flags: { from: string; to: string; concurrency: number; compress: boolean; delete: boolean },
): MoveRequest {
  return {
    domains: [domain],
    from: flags.from,
    to: flags.to,
    merge: false,
    checksum: false,
    compress: flags.compress === true,
    concurrency: flags.concurrency,
    domainsConcurrency: 1,
    failFast: false,
    deleteCopied: flags.delete === true,
  };
}
