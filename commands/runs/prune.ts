import { Flags } from '@oclif/core';
import type { CommandResult } from '../../src/cli/base-command.js';
import { RunCommand } from '../../src/cli/run-command.js';

const DAY_MS = 86_400_000;

export default class RunsPrune extends RunCommand<{ pruned: number[] }> {
  static override summary = 'Delete the records of runs that are over (done or abandoned).';
  static override description =
    'Runs that may still be continued, runs holding a lock and runs that began creating a domain and did not see ' +
    'it through are kept whatever their age. The record of copied messages (what --delete may remove) belongs to ' +
    'no run and is kept.';
  static override examples = ['<%= config.bin %> runs prune', '<%= config.bin %> runs prune --older-than 0'];
  static override flags = {
    'older-than': Flags.integer({
      description: 'only runs that ended more than this many days ago (0: all of them)',
      default: 30,
      min: 0,
    }),
  };

  protected async execute(): Promise<CommandResult<{ pruned: number[] }>> {
    const { flags } = await this.parse(RunsPrune);
    this.openLog(flags);
    const pruned = this.records.runs.prune(new Date(Date.now() - flags['older-than'] * DAY_MS));
    this.runLog!.logger.info({ pruned }, 'runs pruned');
    return { outcome: 'ok', data: { pruned } };
  }

  protected render(r: CommandResult<{ pruned: number[] }>): string {
    const n = r.data.pruned.length;
    return n === 0 ? 'no run to prune' : `pruned ${n} run(s): ${r.data.pruned.join(', ')}`;
  }
}
