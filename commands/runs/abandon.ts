import { Args } from '@oclif/core';
import type { CommandResult } from '../../src/cli/base-command.js';
import { RunCommand } from '../../src/cli/run-command.js';
import type { RunRecord } from '../../src/state/run-journal.js';

export default class RunsAbandon extends RunCommand<{ run: RunRecord }> {
  static override summary = 'Give up a run that stopped: resume no longer picks it.';
  static override description =
    'For a run you will not continue (a domain you dropped from the move, a batch whose failures you settled by ' +
    'hand). Nothing on any host changes: what the run copied stays, and the record of copied messages that ' +
    '--delete relies on is kept. Running the same move again starts a new run. Refused while the run is driven.';
  static override examples = ['<%= config.bin %> runs abandon 12'];
  static override args = {
    run: Args.integer({ description: 'the run number (see `vmigrate status`)', required: true }),
  };

  protected async execute(): Promise<CommandResult<{ run: RunRecord }>> {
    const { args, flags } = await this.parse(RunsAbandon);
    this.openLog(flags);
    const run = this.records.runs.abandon(args.run);
    this.runLog!.logger.info({ run: run.id }, 'run abandoned');
    return { outcome: 'ok', data: { run } };
  }

  protected render(r: CommandResult<{ run: RunRecord }>): string {
    return `run ${r.data.run.id} abandoned`;
  }
}
