import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { dataPathFlags, pairFlags, runFlags, systemFlags, transferFlags } from '../src/cli/flags.js';
import { systemScopeOf } from '../src/migration/system-source.js';
import { serverSettingsOf } from '../src/migration/server-settings.js';
import { RunCommand } from '../src/cli/run-command.js';
import type { CommandResult } from '../src/cli/base-command.js';
import { UsageError } from '../src/errors.js';
import {
  forwardTo,
  planMoves,
  startMove,
  type DomainChoice,
  type DryRunResult,
} from '../src/migration/move-lifecycle.js';
import type { DataPathAsk } from '../src/migration/direct-path.js';
import type { MoveRunResult } from '../src/migration/run-move.js';
import type { RunRecord } from '../src/state/run-journal.js';
import { renderPlans } from '../src/ui/plan-view.js';
import { moveResultJson } from '../src/ui/run-view.js';

type MoveData = { dryRun: true; plans: DryRunResult } | { dryRun: false; run: MoveRunResult };

export default class Move extends RunCommand<MoveData> {
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
    '<%= config.bin %> move --all --from old --to new --server --dry-run',
    '<%= config.bin %> move example.com --from oldbox --to new --from-system --uid-min 1000 --dry-run',
  ];
  static override args = {
    domain: Args.string({ description: 'the domain (IDN as punycode); or use --list or --all' }),
  };
  static override flags = {
    ...pairFlags,
    ...transferFlags,
    ...dataPathFlags,
    ...systemFlags,
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
    server: Flags.boolean({
      description:
        "with --all or --list: also compare the server-level settings the domains depend on (vlimits.default, vpopmail's defaultdomain, control/me and what derives from it, databytes, the domains' smtproutes, relay rules) and show what differs",
    }),
    'server-settings': Flags.string({
      description:
        "with --server: carry these settings onto the destination before the domains, each file kept beside it as it was: 'all' (every one that may be carried), or keys as the plan names them, comma-separated",
    }),
    'dry-run': Flags.boolean({ description: 'print the plan of every domain and change nothing' }),
    checksum: Flags.boolean({ description: 'verify message contents by SHA-256, not only counts and sizes' }),
  };

  private run_: RunRecord | undefined;

  protected async execute(): Promise<CommandResult<MoveData>> {
    const { args, flags } = await this.parse(Move);
    const named = [args.domain !== undefined, flags.list !== undefined, flags.all].filter(Boolean).length;
    if (named !== 1) throw new UsageError('name one domain, or --list FILE, or --all');
    const choice: DomainChoice =
      args.domain !== undefined
        ? { domain: args.domain }
        : flags.list !== undefined
          ? { listFile: flags.list }
          : { all: true };
    const dataPath = flags['data-path'] as DataPathAsk;
    const directAddress = flags['direct-address'];
    const fromSystem = await systemScopeOf({
      fromSystem: flags['from-system'],
      uidMin: flags['uid-min'],
      usersFile: flags.users,
      newPasswords: flags['new-passwords'],
    });
    if (flags.server && args.domain !== undefined)
      throw new UsageError("--server goes with --all or --list: the settings are the whole server's");
    const serverSettings = serverSettingsOf(flags['server-settings'], flags.server, flags['dry-run']);
    if (fromSystem && args.domain === undefined)
      throw new UsageError(
        '--from-system moves one domain: name it (its accounts are not a list of domains)',
      );
    const session = this.openSession(flags, forwardTo({ dataPath, from: flags.from }));
    if (flags['dry-run']) {
      const plans = await planMoves(
        {
          choice,
          from: flags.from,
          to: flags.to,
          merge: flags.merge,
          skipUnrepresentable: flags['skip-unrepresentable'],
          dataPath,
          directAddress,
          fromSystem,
          server: flags.server,
        },
        session,
      );
      return { outcome: plans.outcome, data: { dryRun: true, plans } };
    }
    const env = this.moveEnv(flags['break-lock']);
    const run = await startMove(
      {
        choice,
        from: flags.from,
        to: flags.to,
        merge: flags.merge,
        skipUnrepresentable: flags['skip-unrepresentable'],
        checksum: flags.checksum,
        compress: flags.compress,
        concurrency: flags.concurrency,
        domainsConcurrency: flags['domains-concurrency'],
        failFast: flags['fail-fast'],
        deleteCopied: flags.delete,
        dataPath,
        ...(directAddress === undefined ? {} : { directAddress }),
        ...(fromSystem ? { fromSystem } : {}),
        server: flags.server,
        serverSettings,
        configFile: flags.config && resolve(flags.config),
        sshConfigFile: flags['ssh-config'] && resolve(flags['ssh-config']),
      },
      {
        ...env,
        session,
        started: (r, continued) => {
          this.run_ = r;
          env.started?.(r, continued);
        },
      },
    );
    this.sayHowToContinue(run, this.run_);
    return { outcome: run.outcome, data: { dryRun: false, run } };
  }

  protected override jsonOf(data: MoveData): unknown {
    return data.dryRun ? data.plans : moveResultJson(data.run);
  }

  protected render(r: CommandResult<MoveData>): string | undefined {
    const d = r.data;
    if (d.dryRun) return renderPlans(d.plans);
    return this.renderMoveEnd({ outcome: r.outcome, data: d.run }, this.run_);
  }
}
