import { Args } from '@oclif/core';
import { RunCommand } from '../src/cli/run-command.js';
import { UsageError } from '../src/errors.js';
import { renderRunDetail, renderRunList } from '../src/ui/run-view.js';

export default class Status extends RunCommand {
  static override summary = 'Show recorded runs, or one run: each domain’s phase, progress and failures.';
  static override description =
    'Reads the state store only; connects to no host. A run whose controller died (kill -9, a crash, a closed ' +
    'laptop) shows as interrupted. --json prints the same as one JSON object.';
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status 12',
    '<%= config.bin %> status 12 --json',
  ];
  static override args = { run: Args.integer({ description: 'a run number (default: the list of runs)' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Status);
    this.stateDir = flags.state ?? this.stateDir;
    const runs = this.openStore();
    if (args.run === undefined) {
      const list = runs.list(50);
      this.log(flags.json ? JSON.stringify({ runs: list }) : renderRunList(list));
      return;
    }
    const run = runs.get(args.run);
    if (!run)
      throw new UsageError(`there is no run ${args.run} in this state store`, {
        hint: 'vmigrate status lists the runs',
      });
    const domains = runs.domains(run.id);
    if (flags.json)
      this.log(
        JSON.stringify({
          run,
          domains: domains.map((d) => ({
            ...d,
            steps: runs.steps(run.id, d.domain),
            mailboxes: runs.mailboxes(run.id, d.domain),
          })),
        }),
      );
    else this.log(renderRunDetail(run, domains, (d) => runs.mailboxes(run.id, d)));
  }
}
