import { resolve } from 'node:path';
import { Flags, type Interfaces } from '@oclif/core';
import type { HostSession } from '../src/hosts/session.js';
import type { CommandResult } from '../src/cli/base-command.js';
import type { PerDomain } from '../src/cli/domain-batch.js';
import { batchFlags, DomainsCommand, optionalDomainArg } from '../src/cli/domains-command.js';
import { pairFlags, runFlags, transferFlags } from '../src/cli/flags.js';
import { runCutover, type CutoverResult } from '../src/migration/cutover.js';
import { runRollback, type RollbackResult } from '../src/migration/cutover-rollback.js';
import { renderCutover, renderRollback } from '../src/ui/cutover-view.js';
import { progressFor } from '../src/ui/progress.js';

type Result = { rollback: false; cutover: CutoverResult } | { rollback: true; cutover: RollbackResult };

export default class Cutover extends DomainsCommand<Result> {
  static override summary =
    'Switch a live domain from the source to the destination, or take the switch back.';
  static override description =
    "Holds the domain's mail on the source (qmail defers it, never bounces), syncs and verifies a last time, " +
    'makes the source relay the domain to the destination (smtproutes; out of virtualdomains and locals) and ' +
    'reread its control files, releases the held mail and sweeps across what qmail still delivered locally. ' +
    'Every change on the source is recorded before it is made: run the same command again to continue after ' +
    'any stop, or --rollback to put the source back byte for byte and copy back the mail the destination ' +
    'received meanwhile. See docs/live-migration.md.';
  static override examples = [
    '<%= config.bin %> cutover example.com --from old --to new',
    '<%= config.bin %> cutover example.com --from old --to new --route-to mx2.example.net:25 --freeze-access',
    '<%= config.bin %> cutover example.com --from old --to new --rollback',
  ];
  static override args = optionalDomainArg;
  static override flags = {
    from: pairFlags.from,
    to: pairFlags.to,
    ...batchFlags,
    rollback: Flags.boolean({
      description: 'take the cutover back (the source as it was; new mail copied back)',
    }),
    'route-to': Flags.string({
      description: "host[:port] the source relays the domain's mail to (default: the destination's address)",
    }),
    'reload-command': Flags.string({
      description:
        'the command that makes the source reread its control files, when HUP to its qmail-send is not how (e.g. "svc -h /service/qmail-send")',
    }),
    'freeze-access': Flags.boolean({
      description:
        "stop the users' POP, IMAP and webmail on the source during the switch (their flags are restored after)",
    }),
    checksum: Flags.boolean({ description: 'the final verify compares message contents too' }),
    'max-sync-age': Flags.integer({
      description: 'refuse when the last move or sync of the domain ended more than this many hours ago',
      default: 24,
      min: 1,
    }),
    'skip-route-check': Flags.boolean({
      description: 'do not test SMTP from the source to the route (when the login may not forward TCP)',
    }),
    'sweep-timeout': Flags.integer({
      description:
        'seconds to wait for late local deliveries on the source (and, in a rollback, for relayed mail)',
      default: 3600,
      min: 1,
    }),
    'poll-interval': Flags.integer({
      description: 'milliseconds between two looks at the queue',
      default: 2000,
      min: 100,
      hidden: true,
    }),
    concurrency: transferFlags.concurrency,
    compress: transferFlags.compress,
    ...runFlags,
  };

  protected async execute(): Promise<CommandResult<PerDomain<Result>>> {
    const { args, flags } = await this.parse(Cutover);
    const session = this.openSession(flags);
    return this.forEachChosen(args.domain, flags, session, (domain) => this.one(domain, flags, session));
  }

  private async one(
    domain: string,
    flags: Interfaces.InferredFlags<typeof Cutover.flags> & {
      config?: string | undefined;
      'ssh-config'?: string | undefined;
    },
    session: HostSession,
  ): Promise<CommandResult<Result>> {
    const mode = this.progressMode();
    const files = {
      configFile: flags.config && resolve(flags.config),
      sshConfigFile: flags['ssh-config'] && resolve(flags['ssh-config']),
    };
    const env = {
      session,
      records: this.records,
      log: this.runLog!.logger,
      signal: this.abort.signal,
      started: (run: { id: number }) => {
        this.emit({ event: 'run', run: run.id, domains: [domain] });
        this.onHardStop = () => {
          this.records.runs.finish(run.id, 'interrupted');
          return `every change is recorded: run the same command again to continue${flags.rollback ? ' the rollback' : ', or add --rollback to undo'}`;
        };
      },
      step: (step: string, detail: unknown) => this.emit({ event: 'step', domain: domain, step, detail }),
      change: (c: { seq: number; target: string; status: string }) =>
        this.emit({ event: 'change', domain: domain, ...c }),
      progress: (mailboxes: number) => progressFor(mode, mailboxes, { emit: (e) => this.emit(e) }),
    };
    const common = {
      domain: domain,
      from: flags.from,
      to: flags.to,
      concurrency: flags.concurrency,
      compress: flags.compress,
      breakLock: flags['break-lock'],
      ...files,
    };
    if (flags.rollback) {
      const r = await runRollback(
        {
          ...common,
          relayTimeoutMs: flags['sweep-timeout'] * 1000,
          intervalMs: flags['poll-interval'],
          reloadCommand: flags['reload-command'],
        },
        env,
      );
      return { outcome: r.outcome, data: { rollback: true, cutover: r } };
    }
    const r = await runCutover(
      {
        ...common,
        routeTo: flags['route-to'],
        reloadCommand: flags['reload-command'],
        freezeAccess: flags['freeze-access'],
        checksum: flags.checksum,
        maxSyncAgeHours: flags['max-sync-age'],
        skipRouteCheck: flags['skip-route-check'],
        sweep: { timeoutMs: flags['sweep-timeout'] * 1000, intervalMs: flags['poll-interval'] },
      },
      env,
    );
    return { outcome: r.outcome, data: { rollback: false, cutover: r } };
  }

  protected jsonOfOne(r: Result): unknown {
    return { rollback: r.rollback, ...r.cutover };
  }

  protected renderOne({ data }: CommandResult<Result>): string {
    return data.rollback ? renderRollback(data.cutover) : renderCutover(data.cutover);
  }
}
