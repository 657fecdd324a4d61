import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { pairFlags, planOutput } from '../src/cli/pair-flags.js';
import { RunCommand, runFlags } from '../src/cli/run-command.js';
import { transferFlags } from '../src/cli/transfer-flags.js';
import { UsageError } from '../src/errors.js';
import { parseDomainList } from '../src/migration/domain-list.js';
import { openPair } from '../src/migration/open-hosts.js';
import { preflight } from '../src/migration/preflight.js';
import type { MoveRequest } from '../src/state/runs.js';
import { realDomains } from '../src/vpopmail/assign.js';
import { validateDomain } from '../src/vpopmail/names.js';

export default class Move extends RunCommand {
  static override summary = 'Move domains: provision each on the destination, copy every mailbox, verify.';
  static override description =
    'Preflight against both hosts, provisioning (see `vmigrate provision`), then every Maildir streamed from the ' +
    "source's tar -c into the destination's tar -x, --concurrency tar streams at once, then a verification of every " +
    'mailbox (message counts and bytes per folder, and with --checksum the SHA-256 of every message). The source ' +
    'is never changed.\n\nEvery step is recorded in the state store: a run that stops (Ctrl-C, a lost connection, ' +
    'a crash) continues with `vmigrate resume`, or by running the same command again; transient failures are ' +
    'retried by themselves. Many domains: --list FILE (one per line, # comments) or --all, ' +
    '--domains-concurrency at once; one failing domain does not stop the others unless --fail-fast.';
  static override examples = [
    '<%= config.bin %> move example.com --from old --to new --dry-run',
    '<%= config.bin %> move example.com --from old --to new',
    '<%= config.bin %> move example.com --from old --to new --concurrency 16 --checksum',
    '<%= config.bin %> move --list domains.txt --from old --to new --domains-concurrency 4',
    '<%= config.bin %> move --all --from old --to new --fail-fast',
  ];
  static override args = {
    domain: Args.string({ description: 'the domain (IDN as punycode); or use --list or --all' }),
  };
  static override flags = {
    ...pairFlags,
    ...transferFlags,
    ...runFlags,
    list: Flags.string({ description: 'a file naming the domains to move, one per line (# comments)' }),
    all: Flags.boolean({
      description: 'every domain of the source (alias domains come with their real domain)',
    }),
    'domains-concurrency': Flags.integer({
      description: 'domains moved at once (they share the hosts’ connections)',
      default: 2,
      min: 1,
      max: 32,
    }),
    'fail-fast': Flags.boolean({ description: 'stop starting domains after the first one fails' }),
    'dry-run': Flags.boolean({ description: 'print the plan and change nothing' }),
    checksum: Flags.boolean({ description: 'verify message contents by SHA-256, not only counts and sizes' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Move);
    const chosen = [args.domain !== undefined, flags.list !== undefined, flags.all].filter(Boolean).length;
    if (chosen !== 1) throw new UsageError('name one domain, or --list FILE, or --all');
    let domains: string[] | undefined;
    if (args.domain !== undefined) domains = [validateDomain(args.domain)];
    else if (flags.list !== undefined) domains = parseDomainList(readListFile(flags.list), flags.list);
    const session = this.openSession(flags);
    if (flags.all) {
      const { source } = await openPair(session, flags.from, flags.to);
      domains = await realDomains(source.remote, source.caps.qmail.dir);
      if (domains.length === 0) throw new UsageError(`${source.label} has no vpopmail domain`);
    }
    if (!domains) throw new UsageError('no domain to move');

    if (flags['dry-run']) {
      const hosts = await openPair(session, flags.from, flags.to);
      let worst = 0;
      for (const domain of domains) {
        const out = planOutput(
          await preflight(domain, hosts.source, hosts.dest, { merge: flags.merge }),
          flags.json,
        );
        this.log(out.text);
        worst = Math.max(worst, out.exitCode);
      }
      if (worst !== 0) this.exitWith(worst);
      return;
    }

    const request: MoveRequest = {
      domains,
      from: flags.from,
      to: flags.to,
      merge: flags.merge === true,
      checksum: flags.checksum === true,
      compress: flags.compress === true,
      concurrency: flags.concurrency,
      domainsConcurrency: flags['domains-concurrency'],
      failFast: flags['fail-fast'] === true,
      deleteCopied: flags.delete === true,
      configFile: flags.config && resolve(flags.config),
      sshConfigFile: flags['ssh-config'] && resolve(flags['ssh-config']),
    };
    const runs = this.openStore();
    // The same move asked again continues the run it left unfinished.
    const earlier = runs.findSame('move', request);
    const run = earlier ? runs.adopt(earlier.id, request) : runs.create('move', request);
    if (earlier) this.say(`continuing run ${run.id}, which stopped before it finished`);
    await this.drive(runs, run, flags);
  }
}

function readListFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the domain list ${file}: ${(error as Error).message}`);
  }
}
