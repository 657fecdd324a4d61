import { Flags } from '@oclif/core';
import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg, pairFlags, planOutput } from '../src/cli/pair-flags.js';
import { transferFlags } from '../src/cli/transfer-flags.js';
import { ExitCode } from '../src/errors.js';
import { openPair } from '../src/migration/open-hosts.js';
import { preflight } from '../src/migration/preflight.js';
import { provision } from '../src/migration/provision.js';
import { chooseCompressor, transferDomain, verifyDomain } from '../src/migration/transfer.js';
import { progressFor } from '../src/ui/progress.js';
import { renderProvisionReport } from '../src/ui/provision-view.js';
import { renderTransfer, renderVerify, verifyProblemCount } from '../src/ui/transfer-view.js';
import { validateDomain } from '../src/vpopmail/names.js';

export default class Move extends VmigrateCommand {
  static override summary = 'Move a domain: provision it on the destination, copy every mailbox, verify.';
  static override description =
    'Preflight against both hosts, provisioning (see `vmigrate provision`), then every Maildir streamed from the ' +
    "source's tar -c into the destination's tar -x, --concurrency mailboxes at once, then a verification of every " +
    'mailbox (message counts and bytes per folder, and with --checksum the SHA-256 of every message). Safe to run ' +
    'again: only what is missing or changed is sent. The source is never changed. --dry-run prints the plan.';
  static override examples = [
    '<%= config.bin %> move example.com --from old --to new --dry-run',
    '<%= config.bin %> move example.com --from old --to new',
    '<%= config.bin %> move example.com --from old --to new --concurrency 16 --checksum',
  ];
  static override args = domainArg;
  static override flags = {
    ...pairFlags,
    ...transferFlags,
    'dry-run': Flags.boolean({ description: 'print the plan and change nothing' }),
    checksum: Flags.boolean({ description: 'verify message contents by SHA-256, not only counts and sizes' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Move);
    const domain = validateDomain(args.domain);
    const session = this.openSession(flags);
    const log = this.runLog!.logger;
    const hosts = await openPair(session, flags.from, flags.to);
    // Checked before anything changes, like every other precondition.
    const compress = flags.compress ? chooseCompressor(hosts) : undefined;
    const pf = await preflight(domain, hosts.source, hosts.dest, { merge: flags.merge });
    if (flags['dry-run']) {
      const out = planOutput(pf, flags.json);
      this.log(out.text);
      if (out.exitCode !== 0) this.exitWith(out.exitCode);
      return;
    }
    const provisioned = await provision(pf, log);
    if (!flags.json) this.say(renderProvisionReport(provisioned));
    const started = Date.now();
    const progress = progressFor(flags.json, pf.sourceInventory.users.length);
    const transfer = await transferDomain(hosts, pf.sourceInventory, provisioned.destInventory, {
      concurrency: flags.concurrency,
      log,
      events: progress,
      signal: this.abort.signal,
      compress,
    }).finally(() => progress.stop());
    const seconds = (Date.now() - started) / 1000;
    const verdicts = await verifyDomain(hosts, pf.sourceInventory, provisioned.destInventory, {
      concurrency: flags.concurrency,
      checksum: flags.checksum,
    });
    const problems = verifyProblemCount(verdicts);
    if (flags.json)
      this.log(
        JSON.stringify({
          event: 'summary',
          provisioned: { ...provisioned, destInventory: undefined },
          transfer,
          verify: verdicts,
        }),
      );
    else this.log(`${renderTransfer(transfer, seconds)}\n\n${renderVerify(verdicts, flags.checksum)}`);
    if (transfer.failures.length > 0) this.exitWith(ExitCode.failure);
    if (problems > 0) this.exitWith(ExitCode.verification);
  }
}
