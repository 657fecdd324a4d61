import { Args } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import { runFlags } from '../src/cli/flags.js';
import { RunCommand } from '../src/cli/run-command.js';
import { resumeMove } from '../src/migration/move-lifecycle.js';
import type { MoveRunResult } from '../src/migration/run-move.js';
import type { RunRecord } from '../src/state/run-journal.js';
import { moveResultJson } from '../src/ui/run-view.js';

export default class Resume extends RunCommand<MoveRunResult> {
  static override summary =
    'Continue a run that stopped: from where it stopped, redoing nothing that is done.';
  static override description =
    'Without a run number, the newest run that did not finish (abandoned runs aside). Each domain continues at ' +
    'the stage it stopped in; every stage first reads both hosts, so a half-provisioned domain is completed and a ' +
    'cut stream is sent again from the first message the destination lacks, never duplicated. Domains that ' +
    'failed are tried again (fix the cause first: `vmigrate status RUN` shows it). A run you do not want ' +
    'continued: `vmigrate runs abandon RUN`.';
  static override examples = ['<%= config.bin %> resume', '<%= config.bin %> resume 12 --break-lock'];
  static override args = { run: Args.integer({ description: 'the run number (see `vmigrate status`)' }) };
  static override flags = { ...runFlags };

  private target: RunRecord | undefined;

  protected async execute(): Promise<CommandResult<MoveRunResult>> {
    const { args, flags } = await this.parse(Resume);
    this.openLog(flags);
    const env = this.moveEnv(flags['break-lock']);
    const result = await resumeMove(args.run, {
      ...env,
      started: (run, continued) => {
        this.target = run;
        env.started?.(run, continued);
      },
      // The hosts as the run knew them, unless other configuration files are named now.
      openSession: (files) =>
        this.openSession(
          {
            ...flags,
            config: flags.config ?? files.configFile,
            'ssh-config': flags['ssh-config'] ?? files.sshConfigFile,
          },
          files.forwardTo,
        ),
    });
    this.sayHowToContinue(result, this.target);
    return { outcome: result.outcome, data: result };
  }

  protected override jsonOf(r: MoveRunResult): unknown {
    return moveResultJson(r);
  }

  protected render(r: CommandResult<MoveRunResult>): string | undefined {
    if (r.data.outcomes.length === 0 && r.data.status === 'done')
      return `run ${r.data.run} already finished; nothing to do`;
    return this.renderMoveEnd(r, this.target);
  }
}
