import { Args } from '@oclif/core';
import { RunCommand, runFlags } from '../src/cli/run-command.js';
import { UsageError } from '../src/errors.js';

export default class Resume extends RunCommand {
  static override summary =
    'Continue a run that stopped: from where it stopped, redoing nothing that is done.';
  static override description =
    'Without a run number, the newest run that did not finish. Each domain continues at the stage it stopped ' +
    'in; every stage first reads both hosts, so a half-provisioned domain is completed and a cut stream is ' +
    'sent again from the first message the destination lacks, never duplicated. Domains that failed are tried ' +
    'again (fix the cause first: `vmigrate status RUN` shows it).';
  static override examples = ['<%= config.bin %> resume', '<%= config.bin %> resume 12 --break-lock'];
  static override args = { run: Args.integer({ description: 'the run number (see `vmigrate status`)' }) };
  static override flags = { ...runFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Resume);
    this.stateDir = flags.state ?? this.stateDir;
    const runs = this.openStore();
    const target = args.run === undefined ? runs.latestUnfinished() : runs.get(args.run);
    if (!target)
      throw new UsageError(
        args.run === undefined
          ? 'no unfinished run in this state store'
          : `there is no run ${args.run} in this state store`,
        { hint: 'vmigrate status lists the runs' },
      );
    if (target.command !== 'move')
      throw new UsageError(
        `run ${target.id} is a ${target.command}, not a move: run that command again instead`,
      );
    if (target.status === 'done') {
      this.say(`run ${target.id} already finished; nothing to do`);
      return;
    }
    // The hosts as the run knew them, unless other configuration files are named now.
    this.openSession({
      ...flags,
      config: flags.config ?? target.request.configFile,
      'ssh-config': flags['ssh-config'] ?? target.request.sshConfigFile,
    });
    await this.drive(runs, runs.adopt(target.id), flags);
  }
}
