import { Args } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import { RunCommand } from '../src/cli/run-command.js';
import { runDetail, type RunDetail, type RunSummary } from '../src/migration/run-detail.js';
import { renderRunDetail, renderRunList } from '../src/ui/run-view.js';

type StatusData = { runs: RunSummary[] } | RunDetail;

export default class Status extends RunCommand<StatusData> {
  static override summary = 'Show recorded runs, or one run: each domain’s phase, progress and failures.';
  static override description =
    'Reads the state store only; connects to no host. A run whose controller died (kill -9, a crash, a closed ' +
    'laptop) shows as interrupted. Messages and bytes count as each stream ends, so a run stopped half-way ' +
    'shows what it copied.';
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status 12',
    '<%= config.bin %> status 12 --json',
  ];
  static override args = { run: Args.integer({ description: 'a run number (default: the list of runs)' }) };

  protected async execute(): Promise<CommandResult<StatusData>> {
    const { args, flags } = await this.parse(Status);
    this.useStateDir(flags);
    if (args.run === undefined) return { outcome: 'ok', data: { runs: this.records.runs.list(50) } };
    return { outcome: 'ok', data: runDetail(this.records, args.run) };
  }

  protected render(r: CommandResult<StatusData>): string {
    return 'runs' in r.data ? renderRunList(r.data.runs) : renderRunDetail(r.data);
  }
}
