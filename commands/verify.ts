import { Flags } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import type { PerDomain } from '../src/cli/domain-batch.js';
import { batchFlags, DomainsCommand, optionalDomainArg } from '../src/cli/domains-command.js';
import { pairFlags, transferFlags } from '../src/cli/flags.js';
import { verifyBetween, type VerifyResult } from '../src/migration/verify-domain.js';
import { renderVerify, verdictsForJson } from '../src/ui/transfer-view.js';

export default class Verify extends DomainsCommand<VerifyResult> {
  static override summary = 'Compare every mailbox of a domain on both hosts; exit 3 on any difference.';
  static override description =
    'Per user and folder, message counts and bytes on both sides, and exactly which messages are missing on the ' +
    'destination or differ there (size, flags; with --checksum the SHA-256 of each message). Messages only the ' +
    'destination has are counted but are not a difference, and neither is what users changed there since ' +
    'vmigrate copied it (the state store tells). Changes nothing.';
  static override examples = [
    '<%= config.bin %> verify example.com --from old --to new',
    '<%= config.bin %> verify example.com --from old --to new --checksum --json',
    '<%= config.bin %> verify --all --from old --to new',
  ];
  static override args = optionalDomainArg;
  static override flags = {
    from: pairFlags.from,
    to: pairFlags.to,
    ...batchFlags,
    concurrency: transferFlags.concurrency,
    checksum: Flags.boolean({
      description: 'compare message contents by SHA-256, not only counts and sizes',
    }),
  };

  private checksum = false;

  protected async execute(): Promise<CommandResult<PerDomain<VerifyResult>>> {
    const { args, flags } = await this.parse(Verify);
    this.checksum = flags.checksum;
    const session = this.openSession(flags);
    const one = async (domain: string): Promise<CommandResult<VerifyResult>> => {
      const result = await verifyBetween(
        session,
        domain,
        {
          from: flags.from,
          to: flags.to,
          concurrency: flags.concurrency,
          checksum: flags.checksum,
        },
        this.records,
      );
      return { outcome: result.problems > 0 ? 'different' : 'ok', data: result };
    };
    return this.forEachChosen(args.domain, flags, session, one);
  }

  protected jsonOfOne(v: VerifyResult): unknown {
    return { domain: v.domain, problems: v.problems, mailboxes: verdictsForJson(v.verdicts) };
  }

  protected renderOne(r: CommandResult<VerifyResult>): string {
    return renderVerify(r.data.verdicts, this.checksum);
  }
}
