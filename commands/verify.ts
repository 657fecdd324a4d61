import { Flags } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import { RunCommand } from '../src/cli/run-command.js';
import { domainArg, pairFlags, transferFlags } from '../src/cli/flags.js';
import { verifyBetween, type VerifyResult } from '../src/migration/verify-domain.js';
import { renderVerify, verdictsForJson } from '../src/ui/transfer-view.js';

export default class Verify extends RunCommand<VerifyResult> {
  static override summary = 'Compare every mailbox of a domain on both hosts; exit 3 on any difference.';
  static override description =
    'Per user and folder, message counts and bytes on both sides, and exactly which messages are missing on the ' +
    'destination or differ there (size, flags; with --checksum the SHA-256 of each message). Messages only the ' +
    'destination has are counted but are not a difference, and neither is what users changed there since ' +
    'vmigrate copied it (the state store tells). Changes nothing.';
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

  private checksum = false;

  protected async execute(): Promise<CommandResult<VerifyResult>> {
    const { args, flags } = await this.parse(Verify);
    this.checksum = flags.checksum;
    const session = this.openSession(flags);
    const result = await verifyBetween(
      session,
      args.domain,
      {
        from: flags.from,
        to: flags.to,
        concurrency: flags.concurrency,
        checksum: flags.checksum,
      },
      this.records.copied,
    );
    return { outcome: result.problems > 0 ? 'different' : 'ok', data: result };
  }

  protected override jsonOf(r: VerifyResult): unknown {
    return { domain: r.domain, problems: r.problems, mailboxes: verdictsForJson(r.verdicts) };
  }

  protected render(r: CommandResult<VerifyResult>): string {
    return renderVerify(r.data.verdicts, this.checksum);
  }
}
