import { Flags } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg, pairFlags } from '../src/cli/flags.js';
import { planMoves, type DryRunResult } from '../src/migration/move-lifecycle.js';
import { provisionBetween, type ProvisionReport } from '../src/migration/provision.js';
import { renderPlans } from '../src/ui/plan-view.js';
import { renderProvisionReport } from '../src/ui/provision-view.js';

type ProvisionData = { dryRun: true; plans: DryRunResult } | { dryRun: false; report: ProvisionReport };

export default class Provision extends VmigrateCommand<ProvisionData> {
  static override summary = 'Create a domain on the destination with everything but its messages.';
  static override description =
    'The first half of a move: the domain, each user with the same encrypted password, quota, flags and gecos, ' +
    'aliases and forwards, per-user .qmail files, autoresponders, mailing lists, alias domains and limits, with ' +
    'every path rewritten for the destination. Then the destination is read back and compared with the source. ' +
    'Running it again changes nothing; a domain that already exists on the destination with other content stops ' +
    'it, unless --merge. --dry-run prints the plan instead (same as `vmigrate plan`).';
  static override examples = [
    '<%= config.bin %> provision example.com --from old --to new',
    '<%= config.bin %> provision example.com --from old --to new --dry-run',
    '<%= config.bin %> provision example.com --from old --to new --merge',
  ];
  static override args = domainArg;
  static override flags = {
    ...pairFlags,
    'dry-run': Flags.boolean({ description: 'print the plan and change nothing' }),
  };

  protected async execute(): Promise<CommandResult<ProvisionData>> {
    const { args, flags } = await this.parse(Provision);
    const session = this.openSession(flags);
    const ask = {
      domain: args.domain,
      from: flags.from,
      to: flags.to,
      merge: flags.merge,
      skipUnrepresentable: flags['skip-unrepresentable'],
    };
    if (flags['dry-run']) {
      const plans = await planMoves({ ...ask, choice: { domain: args.domain } }, session);
      return { outcome: plans.outcome, data: { dryRun: true, plans } };
    }
    const report = await provisionBetween(session, ask, this.runLog!.logger, {
      step: (title) => {
        if (!this.jsonEnabled()) this.say(`  ${title}`);
        this.emit({ event: 'step', title });
      },
    });
    return { outcome: 'ok', data: { dryRun: false, report } };
  }

  protected override jsonOf(d: ProvisionData): unknown {
    return d.dryRun ? d.plans : { ...d.report, destInventory: undefined };
  }

  protected render(r: CommandResult<ProvisionData>): string {
    return r.data.dryRun ? renderPlans(r.data.plans) : renderProvisionReport(r.data.report);
  }
}
