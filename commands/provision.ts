import { Flags } from '@oclif/core';
import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg, pairFlags, planOutput } from '../src/cli/pair-flags.js';
import { openPair } from '../src/migration/open-hosts.js';
import { preflight } from '../src/migration/preflight.js';
import { provision } from '../src/migration/provision.js';
import { renderProvisionReport } from '../src/ui/provision-view.js';
import { validateDomain } from '../src/vpopmail/names.js';

export default class Provision extends VmigrateCommand {
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

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Provision);
    const domain = validateDomain(args.domain);
    const session = this.openSession(flags);
    const { source, dest } = await openPair(session, flags.from, flags.to);
    const pf = await preflight(domain, source, dest, { merge: flags.merge });
    if (flags['dry-run']) {
      const out = planOutput(pf, flags.json);
      this.log(out.text);
      if (out.exitCode !== 0) this.exitWith(out.exitCode);
      return;
    }
    const report = await provision(pf, this.runLog!.logger, {
      step: (title) => {
        if (!flags.json) this.say(`  ${title}`);
      },
    });
    this.log(
      flags.json
        ? JSON.stringify({ status: 'ok', ...report, destInventory: undefined }, null, 2)
        : renderProvisionReport(report),
    );
  }
}
