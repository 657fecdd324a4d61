import { Flags } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import { typedConfirmation } from '../src/cli/confirm.js';
import {
  batchFlags,
  domainChoiceOf,
  optionalDomainArg,
  perDomainJson,
  perDomainText,
  runPerDomain,
  type PerDomain,
} from '../src/cli/domain-batch.js';
import { pairFlags, transferFlags } from '../src/cli/flags.js';
import { RunCommand } from '../src/cli/run-command.js';
import { runCleanup, type CleanupResult } from '../src/migration/cleanup.js';
import { renderCleanup } from '../src/ui/cutover-view.js';

export default class Cleanup extends RunCommand<PerDomain<CleanupResult>> {
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
    const choice = domainChoiceOf(args.domain, flags);
    const session = this.openSession(flags);
    const env = {
      session,
      records: this.records,
      log: this.runLog!.logger,
      confirm: typedConfirmation(flags.yes),
    };
    return runPerDomain(
      choice,
      {
        session,
        from: flags.from,
        to: flags.to,
        signal: this.abort.signal,
        ended: (d) => this.emit({ event: 'domain', domain: d.domain, outcome: d.outcome }),
      },
      async (domain) => {
        const r = await runCleanup(
          { domain, from: flags.from, to: flags.to, concurrency: flags.concurrency },
          env,
        );
        return { outcome: r.outcome, data: r };
      },
    );
  }

  protected override jsonOf(r: PerDomain<CleanupResult>): unknown {
    return perDomainJson(r, (one) => one);
  }

  protected render(r: CommandResult<PerDomain<CleanupResult>>): string | undefined {
    return perDomainText(r, ({ data }) => renderCleanup(data));
  }
}
