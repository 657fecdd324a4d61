/**
 * `vmigrate cutover`: the switch of a live domain from the source to the destination, as
 * docs/live-migration.md reasons it out. Each step is recorded when it ends, each change on
 * the source before it is made (cutover-changes.ts), so the same command continues a cutover
 * that stopped anywhere, and `--rollback` (cutover-rollback.ts) takes it all back.
 */
import { PreconditionError, UsageError, VerificationError, type Outcome } from '../errors.js';
import { openPair, type HostHandle, type HostPair } from '../hosts/open-hosts.js';
import type { Logger } from '../log/logger.js';
import { readFileState, type FileState } from '../remote/file-state.js';
import type { CutoverPlan, CutoverRecord } from '../state/cutovers.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import { readInventory } from '../vpopmail/inventory.js';
import { validateDomain } from '../vpopmail/names.js';
import {
  acceptedNames,
  localNames,
  virtualNames,
  withoutLocals,
  withoutVirtualDomains,
  withRoutes,
  type RouteTarget,
} from '../vpopmail/qmail-control.js';
import { signalQmailSend, theQmailSend, runReloadCommand } from '../vpopmail/qmail-send.js';
import { probeSmtp } from '../vpopmail/smtp-probe.js';
import {
  completeChange,
  makeChange,
  readFlags,
  type ChangeJournal,
  type SourceSide,
} from './cutover-changes.js';
import { lockForRun } from './domain-lock.js';
import { recordedSourceReader, type SourceReader } from './source-reader.js';
import { requireFitHosts } from './preflight.js';
import { sweepLateDeliveries, type SweepReport } from './sweep.js';
import { deltaPass, oneDomainRequest, transferOf, type SyncEnv } from './sync-run.js';
import type { TransferReport } from './transfer.js';
import { verifyDomain } from './verify-domain.js';

/** What --freeze-access sets: no POP, no IMAP, no webmail (spec 4.4). */
export const ACCESS_FREEZE_BITS = 0x2 | 0x4 | 0x8;
const STICKY = 0o1000;
/** Passes of the final sync before a difference is taken for one (see the `synced` step). */
const FINAL_PASSES = 3;

export interface CutoverAsk {
  domain: string;
  from: string;
  to: string;
  /** host[:port] the source relays to; default: the destination's address. */
  routeTo?: string | undefined;
  reloadCommand?: string | undefined;
  freezeAccess: boolean;
  checksum: boolean;
  concurrency: number;
  compress: boolean;
  breakLock: boolean;
  /** Refuse to start when the last copy is older than this many hours. */
  maxSyncAgeHours: number;
  skipRouteCheck: boolean;
  sweep: { timeoutMs: number; intervalMs: number };
  configFile?: string | undefined;
  sshConfigFile?: string | undefined;
}

export interface CutoverEnv extends SyncEnv {
  /** Each step as it ends. */
  step?: (step: string, detail: unknown) => void;
  /** Each change on the source as it is written down, made or taken back. */
  change?: ChangeJournal['noted'];
}

export interface CutoverResult {
  run: number;
  cutover: number;
  domain: string;
  outcome: Outcome;
  /** Steps done by this invocation, in order; the earlier ones were done by a previous one. */
  steps: string[];
  resumed: boolean;
  names: string[];
  route: string;
  finalSync: TransferReport | undefined;
  sweep: SweepReport | undefined;
  /** What the operator still has to do. */
  left: string[];
  seconds: number;
}

export function parseRoute(text: string): RouteTarget {
  const m = /^\[?([A-Za-z0-9._:-]+?)\]?(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m || /[:]/.test(m[1]!) || (m[2] && (Number(m[2]) < 1 || Number(m[2]) > 65535)))
    throw new UsageError(`--route-to ${JSON.stringify(text)} is not host[:port]`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : undefined };
}

const showRoute = (r: RouteTarget) => (r.port ? `${r.host}:${r.port}` : r.host);

export function sourceSide(hosts: HostPair, plan: CutoverPlan): SourceSide {
  const bin = hosts.source.caps.vpopmail?.bin ?? `${hosts.source.caps.vpopmail?.dir ?? ''}/bin`;
  return {
    remote: hosts.source.remote,
    vpopmailBin: bin,
    domainDir: plan.domainDir,
    domain: plan.names[0] ?? '',
  };
}

const controlPath = (plan: CutoverPlan, name: string) => `${plan.qmailDir}/control/${name}`;

interface Checked {
  plan: CutoverPlan;
  lastCopied: string;
}

/** Everything a cutover relies on, read before anything changes (docs/live-migration.md, step 1). */
async function checkPreconditions(
  hosts: HostPair,
  domain: string,
  ask: CutoverAsk,
  env: CutoverEnv,
  reader: SourceReader,
): Promise<Checked> {
  if (reader.kind === 'system' && ask.freezeAccess)
    throw new UsageError(
      `--freeze-access sets vpopmail flags: ${domain}'s users on ${ask.from} are Unix accounts, which vmigrate does not change`,
    );
  const [source, dest] = await Promise.all([
    reader.read(),
    readInventory(hosts.dest.remote, hosts.dest.caps, domain),
  ]);
  if (source.realDomain !== source.domain)
    throw new UsageError(
      `${domain} is an alias domain of ${source.realDomain}: cut over ${source.realDomain}`,
    );
  if (!dest.provisionedBy)
    throw new PreconditionError(`${domain} on ${hosts.dest.label} was not provisioned by vmigrate`, {
      host: hosts.dest.label,
      hint: `move it first: vmigrate move ${domain} --from ${ask.from} --to ${ask.to}`,
    });
  const lastCopied = env.records.runs.lastCopied(domain, ask.from, ask.to);
  if (!lastCopied)
    throw new PreconditionError(`this state store has no finished move or sync of ${domain} to ${ask.to}`, {
      hint: `run vmigrate sync ${domain} --from ${ask.from} --to ${ask.to} (with the same --state) first`,
    });
  const ageHours = (Date.now() - Date.parse(lastCopied)) / 3_600_000;
  if (ageHours > ask.maxSyncAgeHours)
    throw new PreconditionError(
      `the last copy of ${domain} to ${ask.to} ended ${ageHours.toFixed(1)} hours ago (more than --max-sync-age ${ask.maxSyncAgeHours})`,
      { hint: 'sync first, so that the final sync while mail waits is short' },
    );
  const names = [domain, ...source.aliasDomains];
  const missingOnDest = names.filter((n) => !dest.aliasDomains.includes(n) && n !== dest.domain);
  if (missingOnDest.length > 0)
    throw new PreconditionError(`${hosts.dest.label} lacks the alias domain(s) ${missingOnDest.join(', ')}`, {
      host: hosts.dest.label,
      hint: 'sync or move again: provisioning adds them',
    });
  await checkDestinationTakesMail(hosts.dest, names);
  const sourceQmail = hosts.source.caps.qmail.dir;
  const plan: CutoverPlan = {
    names,
    route: ask.routeTo ? parseRoute(ask.routeTo) : { host: (await env.session.resolve(ask.to)).hostname },
    domainDir: source.dir,
    // A system domain's deliveries go into many homes: each is held (src/system/convert.ts).
    ...(reader.system
      ? { holdDirs: reader.system.conversion.holdDirs, systemForm: reader.system.conversion.form }
      : {}),
    qmailDir: sourceQmail,
    freezeAccess: ask.freezeAccess,
    reloadCommand: ask.reloadCommand,
  };
  const virtual = await readFileState(hosts.source.remote, controlPath(plan, 'virtualdomains'), 'file');
  const locals =
    reader.kind === 'system'
      ? await readFileState(hosts.source.remote, controlPath(plan, 'locals'), 'file')
      : undefined;
  const local = [
    ...virtualNames(virtual.content.toString('latin1'), [domain]),
    ...(locals ? localNames(locals.content.toString('latin1'), [domain]) : []),
  ];
  if (local.length === 0)
    throw new PreconditionError(
      `${hosts.source.label} does not deliver ${domain} locally (no line in ${controlPath(plan, reader.kind === 'system' ? 'locals' : 'virtualdomains')})`,
      { host: hosts.source.label, hint: 'if a cutover was done by hand, there is nothing left to switch' },
    );
  for (const held of holdDirsOf(plan)) {
    const dir = await readFileState(hosts.source.remote, held, 'dir');
    if (parseInt(dir.mode, 8) & STICKY)
      throw new PreconditionError(
        `${held} on ${hosts.source.label} already has the sticky bit: its mail is held`,
        {
          host: hosts.source.label,
          hint: 'someone else froze this domain; find out who before switching it',
        },
      );
  }
  if (!ask.reloadCommand) await theQmailSend(hosts.source.remote);
  if (!ask.skipRouteCheck) await checkRoute(hosts.source, plan.route, names);
  return { plan, lastCopied };
}

async function checkDestinationTakesMail(dest: HostHandle, names: readonly string[]): Promise<void> {
  const control = (f: string) => readFileState(dest.remote, `${dest.caps.qmail.dir}/control/${f}`, 'file');
  const [rcpt, more, virtual] = await Promise.all([
    control('rcpthosts'),
    control('morercpthosts'),
    control('virtualdomains'),
  ]);
  const text = (s: FileState) => s.content.toString('latin1');
  const accepted = acceptedNames(text(rcpt), text(more), names);
  const local = virtualNames(text(virtual), names);
  const lacking = names.filter((n) => !accepted.includes(n) || !local.includes(n));
  if (lacking.length > 0)
    throw new PreconditionError(
      `${dest.label} does not take mail for ${lacking.join(', ')} (rcpthosts and virtualdomains)`,
      { host: dest.label },
    );
}

/** The source itself opens the SMTP connection its relayed mail will take. */
async function checkRoute(source: HostHandle, route: RouteTarget, names: readonly string[]): Promise<void> {
  const at = showRoute(route);
  if (!source.remote.connectFrom) return;
  try {
    const stream = await source.remote.connectFrom(route.host, route.port ?? 25);
    const probe = await probeSmtp(stream, names);
    if (probe.refused.length > 0)
      throw new PreconditionError(
        `${at} refuses mail for ${probe.refused.map((r) => `${r.name} (${r.reply})`).join(', ')}`,
        { host: source.label },
      );
  } catch (err) {
    if (err instanceof PreconditionError) throw err;
    throw new PreconditionError(
      `${source.label} cannot hand mail to ${at} over SMTP: ${(err as Error).message}`,
      {
        host: source.label,
        hint: 'give the address the source should relay to with --route-to host[:port]; if the source cannot forward TCP for this login, check the route yourself and pass --skip-route-check',
        cause: err,
      },
    );
  }
}

/** Reread of the control files, by the operator's command or by SIGHUP to qmail-send. */
export async function reloadQmail(
  source: HostHandle,
  plan: CutoverPlan,
): Promise<{ how: string; at: number }> {
  let how: string;
  if (plan.reloadCommand) {
    await runReloadCommand(source.remote, plan.reloadCommand);
    how = `ran ${plan.reloadCommand}`;
  } else {
    const qs = await theQmailSend(source.remote);
    const taken = await signalQmailSend(source.remote, qs.pid, 'HUP');
    how = `SIGHUP to qmail-send (pid ${qs.pid}) ${taken === 'taken' ? 'taken' : 'sent (no /proc to confirm it was taken)'}`;
  }
  const at = Number((await source.remote.run(['date', '+%s'])).stdout.toString().trim());
  return { how, at };
}

/** SIGALRM: qmail-send retries deferred deliveries now rather than on its schedule. Best effort. */
export async function hurryQmail(source: HostHandle, log: Logger): Promise<void> {
  try {
    const qs = await theQmailSend(source.remote);
    await signalQmailSend(source.remote, qs.pid, 'ALRM');
  } catch (err) {
    log.info({ host: source.label, err: (err as Error).message }, 'qmail-send not hurried');
  }
}

function whatIsLeft(domain: string, ask: CutoverAsk, names: readonly string[]): string[] {
  return [
    `Point the MX of ${names.join(', ')} at ${ask.to} (mail still reaching ${ask.from} is relayed there meanwhile).`,
    `Move the imap./pop./webmail names of ${domain} and the users' clients to ${ask.to}.`,
    `When you are sure: vmigrate cleanup ${domain} --from ${ask.from} --to ${ask.to} (undo before that with --rollback).`,
  ];
}

export async function runCutover(ask: CutoverAsk, env: CutoverEnv): Promise<CutoverResult> {
  const domain = validateDomain(ask.domain);
  const startedAt = Date.now();
  const hosts = await openPair(env.session, ask.from, ask.to);
  const { cutovers, runs } = env.records;
  const readerFor = (plan?: CutoverPlan) =>
    recordedSourceReader(hosts, domain, ask, env.records, plan?.systemForm);
  let reader = readerFor();
  requireFitHosts(hosts, reader.kind);
  const where = { source: ask.from, destination: ask.to, domain };
  const other = cutovers.standingFrom(ask.from, domain).find((c) => c.destination !== ask.to);
  if (other)
    throw new UsageError(
      `${domain} on ${ask.from} is cut over to ${other.destination} (cutover ${other.id})`,
      {
        hint: `roll that back first: vmigrate cutover ${domain} --from ${ask.from} --to ${other.destination} --rollback`,
      },
    );
  let existing = cutovers.latest(where);
  if (existing?.state === 'rolling-back')
    throw new UsageError(`a rollback of ${domain} is not finished`, {
      hint: `finish it: vmigrate cutover ${domain} --from ${ask.from} --to ${ask.to} --rollback`,
    });
  if (existing?.state === 'rolled-back') existing = undefined;

  // A new cutover reads everything it relies on before a run or a change exists.
  const checked = existing ? undefined : await checkPreconditions(hosts, domain, ask, env, reader);
  const run = runs.create('cutover', oneDomainRequest(domain, ask));
  env.started?.(run);
  const record: CutoverRecord = existing ?? cutovers.create(run.id, where, checked!.plan);
  // Once the domain is rerouted it is no longer local on the source: later reads take its form from the plan.
  reader = readerFor(record.plan);
  if (existing) cutovers.setState(record.id, record.state, run.id);
  const done = cutovers.steps(record.id);
  const result: CutoverResult = {
    run: run.id,
    cutover: record.id,
    domain,
    outcome: 'ok',
    steps: [],
    resumed: existing !== undefined,
    names: record.plan.names,
    route: showRoute(record.plan.route),
    finalSync: undefined,
    sweep: undefined,
    left: whatIsLeft(domain, ask, record.plan.names),
    seconds: 0,
  };
  if (record.state === 'done' || record.state === 'cleaned') {
    runs.setPhase(run.id, domain, 'done');
    runs.finish(run.id, 'done');
    result.seconds = (Date.now() - startedAt) / 1000;
    return result;
  }

  const journal: ChangeJournal = { cutovers, id: record.id, noted: env.change };
  // A reload command given now replaces the one recorded (it may be why the last run stopped).
  const plan: CutoverPlan = { ...record.plan, reloadCommand: ask.reloadCommand ?? record.plan.reloadCommand };
  const side = sourceSide(hosts, plan);
  const finish = (step: string, detail?: unknown) => {
    cutovers.stepDone(record.id, step, detail);
    result.steps.push(step);
    env.step?.(step, detail);
  };
  // A change written down but not known to be made (a kill in between) is completed first.
  const settlePlanned = async () => {
    for (const c of cutovers.changes(record.id).filter((c) => c.status === 'planned'))
      await completeChange(side, journal, c);
  };

  runs.setPhase(run.id, domain, 'transferring');
  const lock = await lockForRun(hosts.dest, domain, run.id, { ...env, breakLock: ask.breakLock });
  const pass = (inventories?: Promise<[Inventory, Inventory]>) =>
    deltaPass(hosts, domain, {
      run,
      env,
      fence: lock.fence,
      ...transferOf(ask),
      sourceRead: inventories ? inventories.then(([source]) => source) : reader.read(),
      destRead: inventories?.then(([, dest]) => dest),
    });
  try {
    await settlePlanned();
    if (!done.has('checked')) finish('checked', { lastCopied: checked?.lastCopied, route: result.route });

    const dirState = async (dir: string) => (await readFileState(side.remote, dir, 'dir')).mode;
    /** The first change of each held directory: its freeze, with the mode it had. */
    const freezeOf = (dir: string) =>
      cutovers.changes(record.id).find((c) => c.before.kind === 'dir-mode' && c.target === dir);
    if (!done.has('frozen')) {
      const modes: Record<string, string> = {};
      for (const dir of holdDirsOf(plan)) {
        // Made before a kill that came ahead of its step's record: not made twice.
        const made = freezeOf(dir);
        const mode = made?.before.kind === 'dir-mode' ? made.before.mode : await dirState(dir);
        if (!made)
          await makeChange(
            side,
            journal,
            dir,
            { kind: 'dir-mode', mode },
            {
              kind: 'dir-mode',
              mode: (parseInt(mode, 8) | STICKY).toString(8),
            },
          );
        modes[dir] = mode;
      }
      finish('frozen', { dir: plan.domainDir, mode: modes[plan.domainDir], dirs: modes });
    }

    if (plan.freezeAccess && !done.has('access-frozen')) {
      const flags = await readFlags(side);
      for (const [user, f] of flags) {
        if ((f & ACCESS_FREEZE_BITS) === ACCESS_FREEZE_BITS) continue;
        await makeChange(
          side,
          journal,
          `${user}@${domain}`,
          { kind: 'user-flags', flags: f },
          {
            kind: 'user-flags',
            flags: f | ACCESS_FREEZE_BITS,
          },
        );
      }
      finish('access-frozen', { users: flags.size });
    }

    if (!done.has('synced')) {
      // A delivery that had passed qmail-local's sticky check before the hold still lands
      // after it, perhaps after the pass listed its mailbox: the verify then finds that message
      // missing, and another pass takes it. The source no longer changes, so a few passes do.
      let copied = 0;
      let renamed = 0;
      for (let n = 1; ; n++) {
        // One read of both inventories serves the pass and its verify: neither changes the
        // domain's users or their directories.
        const inventories = bothInventories(hosts, domain, reader);
        const report = await pass(inventories);
        result.finalSync ??= report;
        copied += report.messagesCopied;
        renamed += report.renamed;
        if (report.interrupted.length > 0) throw env.signal.reason ?? new Error('interrupted');
        if (report.failures.length > 0)
          throw new PreconditionError(
            `the final sync failed for ${report.failures.map((f) => `${f.label} (${f.error})`).join(', ')}; mail for ${domain} is held on ${ask.from} meanwhile`,
            { hint: 'run the same command again to retry, or --rollback to release the mail' },
          );
        const verdicts = await verifyDomain(hosts, ...(await inventories), {
          concurrency: ask.concurrency,
          checksum: ask.checksum,
          written: (box) => env.records.copied.written({ ...where, mailbox: box.label }),
        });
        const problems = verdicts.flatMap((v) => v.problems.map((p) => `${v.label}: ${JSON.stringify(p)}`));
        if (problems.length === 0) {
          finish('synced', { copied, renamed, passes: n });
          break;
        }
        if (n >= FINAL_PASSES)
          throw new VerificationError(
            `the final verify of ${domain} found ${problems.length} difference(s) after ${n} passes; mail for ${domain} is held on ${ask.from} meanwhile: ${problems.slice(0, 5).join('; ')}`,
            { hint: 'run the same command again (it syncs and verifies again), or --rollback' },
          );
        env.log.info(
          { domain, differences: problems.length, pass: n },
          'the source changed during the final sync',
        );
      }
    }

    if (!done.has('rerouted')) {
      await reroute(side, journal, plan);
      finish('rerouted', { route: result.route, names: plan.names });
    }

    if (!done.has('reloaded')) {
      const reload = await reloadQmail(hosts.source, plan);
      finish('reloaded', reload);
    }

    if (!done.has('unfrozen')) {
      const modes: Record<string, string> = {};
      for (const dir of holdDirsOf(plan)) {
        const frozen = freezeOf(dir);
        if (frozen?.before.kind !== 'dir-mode') throw new Error(`the freeze of ${dir} is not in the journal`);
        const mode = frozen.before.mode;
        const now = await dirState(dir);
        if (now !== mode)
          await makeChange(side, journal, dir, { kind: 'dir-mode', mode: now }, { kind: 'dir-mode', mode });
        modes[dir] = mode;
      }
      await hurryQmail(hosts.source, env.log);
      finish('unfrozen', { mode: modes[plan.domainDir], dirs: modes });
    }

    if (!done.has('swept')) {
      const reloadedAt =
        (cutovers.steps(record.id).get('reloaded')?.detail as { at?: number } | undefined)?.at ?? 0;
      result.sweep = await sweepLateDeliveries(hosts, plan, {
        reloadedAt,
        timeoutMs: ask.sweep.timeoutMs,
        intervalMs: ask.sweep.intervalMs,
        signal: env.signal,
        log: env.log,
        pass: () => pass(),
        hurry: () => hurryQmail(hosts.source, env.log),
      });
      finish('swept', result.sweep);
    }

    if (plan.freezeAccess && !done.has('access-restored')) {
      const changes = cutovers.changes(record.id);
      for (const c of changes) {
        if (c.before.kind !== 'user-flags' || c.after.kind !== 'user-flags') continue;
        const freeze =
          c.after.flags !== c.before.flags && c.after.flags === (c.before.flags | ACCESS_FREEZE_BITS);
        // A later change of the same user is this restore, made before a kill.
        if (!freeze || changes.some((r) => r.seq > c.seq && r.target === c.target)) continue;
        await makeChange(side, journal, c.target, c.after, c.before);
      }
      finish('access-restored');
    }
    cutovers.setState(record.id, 'done');
  } catch (error) {
    runs.setPhase(run.id, domain, 'failed', (error as Error).message);
    runs.finish(run.id, env.signal.aborted ? 'interrupted' : 'failed');
    throw error;
  } finally {
    await lock.release().catch((e: Error) => env.log.warn({ err: e.message }, 'could not release the lock'));
  }
  runs.setPhase(run.id, domain, 'done');
  runs.finish(run.id, 'done');
  result.seconds = (Date.now() - startedAt) / 1000;
  return result;
}

async function bothInventories(
  hosts: HostPair,
  domain: string,
  reader: SourceReader,
): Promise<[Inventory, Inventory]> {
  return Promise.all([reader.read(), readInventory(hosts.dest.remote, hosts.dest.caps, domain)]);
}

/** The directories whose sticky bit holds the domain's deliveries: the domain's, or a system domain's homes. */
export function holdDirsOf(plan: CutoverPlan): string[] {
  return plan.holdDirs ?? [plan.domainDir];
}

/**
 * smtproutes first (qmail-remote reads it at every attempt, so it is in force before the
 * domain stops being local), then locals, then virtualdomains (read on the HUP that follows).
 */
async function reroute(side: SourceSide, journal: ChangeJournal, plan: CutoverPlan): Promise<void> {
  const virtualPath = controlPath(plan, 'virtualdomains');
  const virtual = await readFileState(side.remote, virtualPath, 'file');
  const edits: Array<[string, (text: string) => string]> = [
    ['smtproutes', (t) => withRoutes(t, plan.names, plan.route).text],
    ['locals', (t) => withoutLocals(t, plan.names).text],
    ['virtualdomains', (t) => withoutVirtualDomains(t, plan.names).text],
  ];
  for (const [name, edit] of edits) {
    const path = controlPath(plan, name);
    const before = name === 'virtualdomains' ? virtual : await readFileState(side.remote, path, 'file');
    const text = before.content.toString('latin1');
    const next = edit(text);
    if (next === text && before.exists) continue;
    if (!before.exists && next === '') continue;
    // A control file that did not exist is made like virtualdomains: same owner and mode.
    const shape = before.exists ? before : { ...virtual, mode: virtual.exists ? virtual.mode : '644' };
    await makeChange(
      side,
      journal,
      path,
      { kind: 'file', ...before },
      {
        kind: 'file',
        ...shape,
        exists: true,
        content: Buffer.from(next, 'latin1'),
      },
    );
  }
}
