import type { CommandResult } from '../src/cli/base-command.js';
import { VmigrateCommand } from '../src/cli/base-command.js';
import { dataPathFlags, domainArg, pairFlags } from '../src/cli/flags.js';
import type { DataPathAsk } from '../src/migration/direct-path.js';
import { forwardTo, planMoves, type DryRunResult } from '../src/migration/move-lifecycle.js';
import { renderPlans } from '../src/ui/plan-view.js';

export default class Plan extends VmigrateCommand<DryRunResult> {
  static override summary = 'Show what moving a domain would do, changing nothing on either host.';
  static override description =
    'Runs the preflight checks against both hosts (vpopmail on both, the domain on the source and not clashing on ' +
    'the destination, disk space and inodes, programs the delivery files run, vpopmail uid/gid) and prints the ' +
    'planned path map, every step with the command it would run on the destination, and warnings. Exit 5 when a ' +
    'problem would stop the move.';
  static override examples = [
    '<%= config.bin %> plan example.com --from old --to new',
    '<%= config.bin %> plan example.com --from old --to new --json',
  ];
  static override args = domainArg;
  static override flags = { ...pairFlags, ...dataPathFlags };

  protected async execute(): Promise<CommandResult<DryRunResult>> {
    const { args, flags } = await this.parse(Plan);
    const dataPath = flags['data-path'] as DataPathAsk;
    const session = this.openSession(flags, forwardTo({ dataPath, from: flags.from }));
    const plans = await planMoves(
      {
        choice: { domain: args.domain },
        from: flags.from,
        to: flags.to,
        merge: flags.merge,
        skipUnrepresentable: flags['skip-unrepresentable'],
        dataPath,
        directAddress: flags['direct-address'],
      },
      session,
    );
    return { outcome: plans.outcome, data: plans };
  }

  protected render(r: CommandResult<DryRunResult>): string {
    return renderPlans(r.data);
  }
}
