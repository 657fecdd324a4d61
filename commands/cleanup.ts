import { Flags } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import { typedConfirmation } from '../src/cli/confirm.js';
import type { PerDomain } from '../src/cli/domain-batch.js';
import { batchFlags, DomainsCommand, optionalDomainArg } from '../src/cli/domains-command.js';
import { pairFlags, transferFlags } from '../src/cli/flags.js';
import { runCleanup, type CleanupResult } from '../src/migration/cleanup.js';
import { renderCleanup } from '../src/ui/cutover-view.js';

export default class Cleanup extends DomainsCommand<CleanupResult> {
  static override summary = 'Remove a domain from the source once it lives on the destination.';
  static override description =
    "Only after its cutover ended, with none of its mail waiting in the source's queue, and a fresh verify " +
    "--checksum finding every source message on the destination; then vpopmail's vdeldomain removes it and its " +
    'alias domains from the source. Asks you to type the domain name (--yes for scripts). Wait until the old ' +
    "MX has expired from caches: the source then refuses the domain's mail.";
  static override examples = [
    '<%= config.bin %> cleanup example.com --from old --to new',
    '<%= config.bin %> cleanup --list switched.txt --from old --to new --yes',
  ];
  static override args = optionalDomainArg;
  static override flags = {
    from: pairFlags.from,
    to: pairFlags.to,
    ...batchFlags,
    yes: Flags.boolean({ description: 'do not ask: the domains named are removed once their checks pass' }),
    concurrency: transferFlags.concurrency,
  };

  protected async execute(): Promise<CommandResult<PerDomain<CleanupResult>>> {
    const { args, flags } = await this.parse(Cleanup);
    const session = this.openSession(flags);
    const env = {
      session,
      records: this.records,
      log: this.runLog!.logger,
      confirm: typedConfirmation(flags.yes),
    };
    return this.forEachChosen(args.domain, flags, session, async (domain) => {
      const r = await runCleanup(
        { domain, from: flags.from, to: flags.to, concurrency: flags.concurrency },
        env,
      );
      return { outcome: r.outcome, data: r };
    });
  }

  protected jsonOfOne(r: CleanupResult): unknown {
    return r;
  }

  protected renderOne({ data }: CommandResult<CleanupResult>): string {
    return renderCleanup(data);
  }
}
