import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg, pairFlags, planOutput } from '../src/cli/pair-flags.js';
import { openPair } from '../src/migration/open-hosts.js';
import { preflight } from '../src/migration/preflight.js';
import { validateDomain } from '../src/vpopmail/names.js';

export default class Plan extends VmigrateCommand {
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
  static override flags = {
    ...pairFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Plan);
    const domain = validateDomain(args.domain);
    const session = this.openSession(flags);
    const { source, dest } = await openPair(session, flags.from, flags.to);
    const out = planOutput(await preflight(domain, source, dest, { merge: flags.merge }), flags.json);
    this.log(out.text);
    if (out.exitCode !== 0) this.exitWith(out.exitCode);
  }
}
