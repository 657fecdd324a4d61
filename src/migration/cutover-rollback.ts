/**
 * `vmigrate cutover --rollback`: the source made again what it was before the cutover, byte
 * for byte, and the mail the destination received meanwhile copied back to it. The order
 * keeps every message: the domain is local again (and the freeze lifted) before the route to
 * the destination goes, and the route goes only once nothing queued on the source still
 * needs it: without it, qmail would send those messages by MX, perhaps to itself.
 */
import { PreconditionError, UsageError, type Outcome } from '../errors.js';
import { openPair, type HostPair } from '../hosts/open-hosts.js';
import type { Change, CutoverRecord } from '../state/cutovers.js';
import { validateDomain } from '../vpopmail/names.js';
import { pendingFor } from '../vpopmail/qmail-control.js';
import { readQmailQueue } from '../vpopmail/qmail-send.js';
import { undoChange, type ChangeJournal, type UndoOutcome } from './cutover-changes.js';
import { hurryQmail, reloadQmail, sourceSide, type CutoverEnv } from './cutover.js';
import { lockForRun } from './domain-lock.js';
import { requireFitHosts } from './preflight.js';
import { recordedSourceReader } from './source-reader.js';
import { deltaPass, oneDomainRequest, transferOf } from './sync-run.js';
import type { TransferReport } from './transfer.js';

export interface RollbackAsk {
  domain: string;
  from: string;
  to: string;
  concurrency: number;
  compress: boolean;
  breakLock: boolean;
  /** How long to wait for mail queued on the source for the destination to leave. */
  relayTimeoutMs: number;
  /** Replaces the cutover's own reload command. */
  reloadCommand?: string | undefined;
  intervalMs: number;
  configFile?: string | undefined;
  sshConfigFile?: string | undefined;
}

export type RollbackEnv = CutoverEnv;

export interface RollbackResult {
  run: number;
  cutover: number;
  domain: string;
  outcome: Outcome;
  steps: string[];
  /** Each change taken back: the file, directory or user, and how. */
  undone: Array<{ target: string; how: UndoOutcome }>;
  copiedBack: TransferReport | undefined;
  left: string[];
  seconds: number;
}

const isRoutes = (c: Change) => c.before.kind === 'file' && c.target.endsWith('/control/smtproutes');

export async function runRollback(ask: RollbackAsk, env: RollbackEnv): Promise<RollbackResult> {
  const domain = validateDomain(ask.domain);
  const startedAt = Date.now();
  const { cutovers, runs } = env.records;
  const record: CutoverRecord | undefined = cutovers.latest({
    source: ask.from,
    destination: ask.to,
    domain,
  });
  if (!record || record.state === 'rolled-back')
    throw new UsageError(
      `this state store has no cutover of ${domain} from ${ask.from} to ${ask.to} to roll back`,
    );
  if (record.state === 'cleaned')
    throw new UsageError(
      `${domain} was removed from ${ask.from} after its cutover (cleanup): there is nothing to roll back to`,
    );
  const hosts: HostPair = await openPair(env.session, ask.from, ask.to);
  const { kind } = recordedSourceReader(hosts, domain, ask, env.records, record.plan.systemForm);
  const system = kind === 'system';
  requireFitHosts(hosts, kind);
  const run = runs.create('rollback', oneDomainRequest(domain, ask));
  env.started?.(run);
  cutovers.setState(record.id, 'rolling-back', run.id);
  const done = cutovers.steps(record.id);
  const result: RollbackResult = {
    run: run.id,
    cutover: record.id,
    domain,
    outcome: 'ok',
    steps: [],
    undone: [],
    copiedBack: undefined,
    left: [
      `Point the MX of ${record.plan.names.join(', ')} back at ${ask.from} if it was moved; until then ${ask.to} keeps receiving mail, and another rollback or sync picks it up.`,
    ],
    seconds: 0,
  };
  const finish = (step: string, detail?: unknown) => {
    cutovers.stepDone(record.id, step, detail);
    result.steps.push(step);
    env.step?.(step, detail);
  };
  const side = sourceSide(hosts, record.plan);
  const journal: ChangeJournal = { cutovers, id: record.id, noted: env.change };
  const undo = async (which: (c: Change) => boolean) => {
    const changes = cutovers.changes(record.id).filter((c) => c.status !== 'undone' && which(c));
    for (const c of changes.reverse())
      result.undone.push({ target: c.target, how: await undoChange(side, journal, c) });
  };

  runs.setPhase(run.id, domain, 'transferring');
  // Messages are written on the source now: its lock is the one that counts.
  const lockOn = (host: HostPair['source']) =>
    lockForRun(host, domain, run.id, { ...env, breakLock: ask.breakLock });
  // The destination is locked too, though only read: no sync of this domain may write there
  // while its mail is copied back, and the lock a killed cutover left there is taken over
  // and released with this one.
  const destLock = await lockOn(hosts.dest);
  let lock: Awaited<ReturnType<typeof lockOn>>;
  try {
    // A system source has no vpopmail directory to lock, and nothing is copied back into it.
    lock = system ? destLock : await lockOn(hosts.source);
  } catch (error) {
    await destLock.release().catch(() => undefined);
    throw error;
  }
  try {
    if (!done.has('rollback-local')) {
      await undo((c) => !isRoutes(c));
      finish('rollback-local');
    }
    if (!done.has('rollback-reloaded')) {
      finish(
        'rollback-reloaded',
        await reloadQmail(hosts.source, {
          ...record.plan,
          reloadCommand: ask.reloadCommand ?? record.plan.reloadCommand,
        }),
      );
      await hurryQmail(hosts.source, env.log);
    }
    if (!done.has('rollback-relayed')) {
      const left = await waitForRelay(hosts, record.plan.qmailDir, record.plan.names, ask, env);
      finish('rollback-relayed', { waited: left });
    }
    if (!done.has('rollback-routes')) {
      await undo(isRoutes);
      finish('rollback-routes');
    }
    if (system && !done.has('rollback-copied-back')) {
      // Unix accounts own their mail, each with its uid, in Maildirs and mboxes: vmigrate writes
      // only vpopmail domains, so what new received meanwhile is left there, and said so.
      result.left.push(
        `Mail ${ask.to} received for ${domain} since the cutover stays there: vmigrate does not write into Unix accounts. Copy it into the accounts by hand (where each user's Maildir is on ${ask.to}: vuserinfo -d user@${domain}).`,
      );
      finish('rollback-copied-back', { copied: 0, skipped: 'system source' });
    } else if (!done.has('rollback-copied-back')) {
      const back: HostPair = { source: hosts.dest, dest: hosts.source };
      const report = await deltaPass(back, domain, { run, env, fence: lock.fence, ...transferOf(ask) });
      result.copiedBack = report;
      if (report.interrupted.length > 0) env.signal.throwIfAborted();
      if (report.failures.length > 0)
        throw new PreconditionError(
          `copying back to ${ask.from} failed for ${report.failures.map((f) => `${f.label} (${f.error})`).join(', ')}`,
          { hint: 'run the same command again: it continues with the copy back' },
        );
      finish('rollback-copied-back', { copied: report.messagesCopied });
    }
    cutovers.setState(record.id, 'rolled-back');
  } catch (error) {
    runs.setPhase(run.id, domain, 'failed', (error as Error).message);
    runs.finish(run.id, env.signal.aborted ? 'interrupted' : 'failed');
    throw error;
  } finally {
    for (const l of new Set([lock, destLock]))
      await l.release().catch((e: Error) => env.log.warn({ err: e.message }, 'could not release the lock'));
  }
  runs.setPhase(run.id, domain, 'done');
  runs.finish(run.id, 'done');
  result.seconds = (Date.now() - startedAt) / 1000;
  return result;
}

/** Until no message for the domain waits on the source to be relayed to the destination. */
async function waitForRelay(
  hosts: HostPair,
  qmailDir: string,
  names: readonly string[],
  ask: RollbackAsk,
  env: RollbackEnv,
): Promise<number> {
  const deadline = Date.now() + ask.relayTimeoutMs;
  let first: number | undefined;
  for (;;) {
    env.signal.throwIfAborted();
    const pending = pendingFor(await readQmailQueue(hosts.source.remote, qmailDir), names, 'remote');
    first ??= pending.length;
    if (pending.length === 0) return first;
    if (Date.now() > deadline)
      throw new PreconditionError(
        `${pending.length} message(s) for ${names.join(', ')} still wait on ${hosts.source.label} to be relayed to ${hosts.dest.label}`,
        {
          host: hosts.source.label,
          hint: `the route to ${hosts.dest.label} stays until they are gone (without it they could bounce); once ${hosts.dest.label} takes mail again, run the same command`,
        },
      );
    await new Promise((r) => setTimeout(r, ask.intervalMs));
  }
}
