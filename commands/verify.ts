import { Flags } from '@oclif/core';
import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg, pairFlags } from '../src/cli/pair-flags.js';
import { transferFlags } from '../src/cli/transfer-flags.js';
import { ExitCode } from '../src/errors.js';
import { openDomainOnBoth } from '../src/migration/open-hosts.js';
import { verifyDomain } from '../src/migration/transfer.js';
import { renderVerify, verdictsForJson, verifyProblemCount } from '../src/ui/transfer-view.js';
import { validateDomain } from '../src/vpopmail/names.js';

export default class Verify extends VmigrateCommand {
  static override summary = 'Compare every mailbox of a domain on both hosts; exit 3 on any difference.';
  static override description =
    'Per user and folder, message counts and bytes on both sides, and exactly which messages are missing on the ' +
    'destination or differ there (size, flags; with --checksum the SHA-256 of each message). Messages only the ' +
    'destination has are counted but are not a difference. Changes nothing.';
  static override examples = [
    '<%= config.bin %> verify example.com --from old --to new',
    '<%= config.bin %> verify example.com --from old --to new --checksum --json',
  ];
  static override args = domainArg;
  static override flags = {
    from: pairFlags.from,
    to: pairFlags.to,
    concurrency: transferFlags.concurrency,
    checksum: Flags.boolean({
      description: 'compare message contents by SHA-256, not only counts and sizes',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Verify);
    const domain = validateDomain(args.domain);
    const session = this.openSession(flags);
    const { hosts, source, dest } = await openDomainOnBoth(session, domain, flags.from, flags.to);
    const verdicts = await verifyDomain(hosts, source, dest, {
      concurrency: flags.concurrency,
      checksum: flags.checksum,
    });
    const problems = verifyProblemCount(verdicts);
    this.log(
      flags.json
        ? JSON.stringify({ domain, problems, mailboxes: verdictsForJson(verdicts) }, null, 2)
        : renderVerify(verdicts, flags.checksum),
    );
    if (problems > 0) this.exitWith(ExitCode.verification);
  }
}
