import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg, pairFlags } from '../src/cli/pair-flags.js';
import { transferFlags } from '../src/cli/transfer-flags.js';
import { ExitCode } from '../src/errors.js';
import { openDomainOnBoth } from '../src/migration/open-hosts.js';
import { chooseCompressor, transferDomain } from '../src/migration/transfer.js';
import { progressFor } from '../src/ui/progress.js';
import { renderTransfer } from '../src/ui/transfer-view.js';
import { validateDomain } from '../src/vpopmail/names.js';

export default class Sync extends VmigrateCommand {
  static override summary =
    'One delta pass over every mailbox of a domain already provisioned on the destination.';
  static override description =
    'Lists both sides of each mailbox, renames on the destination what only changed its flags or moved from new/ ' +
    'to cur/ (no content sent), and streams what the destination lacks. Repeat it as often as you like; messages ' +
    'that exist only on the destination are never touched.';
  static override examples = [
    '<%= config.bin %> sync example.com --from old --to new',
    '<%= config.bin %> sync example.com --from old --to new --json',
  ];
  static override args = domainArg;
  static override flags = { from: pairFlags.from, to: pairFlags.to, ...transferFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Sync);
    const domain = validateDomain(args.domain);
    const session = this.openSession(flags);
    const { hosts, source, dest } = await openDomainOnBoth(session, domain, flags.from, flags.to);
    const started = Date.now();
    const progress = progressFor(flags.json, source.users.length);
    const report = await transferDomain(hosts, source, dest, {
      concurrency: flags.concurrency,
      log: this.runLog!.logger,
      events: progress,
      signal: this.abort.signal,
      compress: flags.compress ? chooseCompressor(hosts) : undefined,
    }).finally(() => progress.stop());
    this.log(
      flags.json
        ? JSON.stringify({ event: 'summary', ...report })
        : renderTransfer(report, (Date.now() - started) / 1000),
    );
    if (report.failures.length > 0) this.exitWith(ExitCode.failure);
  }
}
