import { resolve } from 'node:path';
import type { CommandResult } from '../src/cli/base-command.js';
import type { PerDomain } from '../src/cli/domain-batch.js';
import { batchFlags, DomainsCommand, optionalDomainArg } from '../src/cli/domains-command.js';
import { dataPathFlags, pairFlags, runFlags, transferFlags } from '../src/cli/flags.js';
import { forwardTo } from '../src/migration/move-lifecycle.js';
import type { DataPathAsk } from '../src/migration/direct-path.js';
import { runSync, type SyncResult } from '../src/migration/sync-run.js';
import { progressFor } from '../src/ui/progress.js';
import { resumeHint } from '../src/ui/run-view.js';
import { renderTransfer } from '../src/ui/transfer-view.js';

export default class Sync extends DomainsCommand<SyncResult> {
  static override summary =
    'One delta pass over every mailbox of a domain already provisioned on the destination.';
  static override description =
    'Lists both sides of each mailbox, renames on the destination what only changed its flags or moved from new/ ' +
    'to cur/ (no content sent), and streams what the destination lacks. Repeat it as often as you like; messages ' +
    'that exist only on the destination are never touched, and with --delete a message is removed from the ' +
    'destination only when vmigrate itself copied it there and the source has since deleted it.';
  static override examples = [
    '<%= config.bin %> sync example.com --from old --to new',
    '<%= config.bin %> sync example.com --from old --to new --json-events',
    '<%= config.bin %> sync --list domains.txt --from old --to new',
  ];
  static override args = optionalDomainArg;
  static override flags = {
    from: pairFlags.from,
    to: pairFlags.to,
    ...batchFlags,
    ...transferFlags,
    ...dataPathFlags,
    ...runFlags,
  };

  protected async execute(): Promise<CommandResult<PerDomain<SyncResult>>> {
    const { args, flags } = await this.parse(Sync);
    const dataPath = flags['data-path'] as DataPathAsk;
    const session = this.openSession(flags, forwardTo({ dataPath, from: flags.from }));
    const mode = this.progressMode();
    const one = async (domain: string): Promise<CommandResult<SyncResult>> => {
      const result = await runSync(
        {
          domain,
          from: flags.from,
          to: flags.to,
          concurrency: flags.concurrency,
          compress: flags.compress,
          deleteCopied: flags.delete,
          breakLock: flags['break-lock'],
          dataPath,
          directAddress: flags['direct-address'],
          configFile: flags.config && resolve(flags.config),
          sshConfigFile: flags['ssh-config'] && resolve(flags['ssh-config']),
        },
        {
          session,
          records: this.records,
          log: this.runLog!.logger,
          signal: this.abort.signal,
          started: (run) => {
            this.emit({ event: 'run', run: run.id, domains: run.request.domains });
            this.onHardStop = () => {
              this.records.runs.finish(run.id, 'interrupted');
              return resumeHint(run);
            };
          },
          progress: (mailboxes) => progressFor(mode, mailboxes, { emit: (e) => this.emit(e) }),
        },
      );
      return { outcome: result.outcome, data: result };
    };
    return this.forEachChosen(args.domain, flags, session, one);
  }

  protected jsonOfOne(s: SyncResult): unknown {
    return { run: s.run, seconds: s.seconds, dataPath: s.dataPath, ...s.report };
  }

  protected renderOne(r: CommandResult<SyncResult>): string {
    return renderTransfer(r.data.report, r.data.seconds);
  }
}
