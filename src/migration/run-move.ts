/**
 * A move run: one or many domains from one source to one destination, each through lock,
 * preflight, provisioning, transfer and verification, everything recorded in the state store.
 * Every stage reads both hosts before it acts, so a run stopped anywhere (Ctrl-C, kill -9, a
 * lost host) continues where it stopped, and a transient failure is simply retried.
 */
import pLimit from 'p-limit';
import {
  combinedOutcome,
  InterruptedError,
  outcomeOf,
  PreconditionError,
  VerificationError,
  VmigrateError,
  type Outcome,
} from '../errors.js';
import { openPair, type HostPair } from '../hosts/open-hosts.js';
import type { HostSession } from '../hosts/session.js';
import type { Logger } from '../log/logger.js';
import type { MailboxVerdict } from '../maildir/verify.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { Records } from '../state/records.js';
import { isStoreFailure, storeFailure } from '../state/store-failure.js';
import type { DomainPhase, RunJournal, RunRecord, RunStatus } from '../state/run-journal.js';
import { copyLedger, forgetAbsentMailboxes } from './copy-ledger.js';
import {
  chooseDataPath,
  openDirectStreams,
  sweepGrants,
  sweptNotice,
  transferSignal,
  type DataPath,
  type DomainStreams,
} from './direct-path.js';
import { fanOut } from './fan-out.js';
import { lockDomain, type DomainLock } from './domain-lock.js';
import { preflight, requireFitHosts } from './preflight.js';
import { newPasswordFile } from './source-reader.js';
import { provision, type ProvisionReport } from './provision.js';
import { chooseCompressor, transferDomain, type TransferEvents, type TransferReport } from './transfer.js';
import { verifyDomain } from './verify-domain.js';
import type { ServerComparison, SettingApplied } from './server-settings.js';

export type DomainStatus = 'done' | 'failed' | 'interrupted' | 'not started';

export interface DomainOutcome {
  domain: string;
  status: DomainStatus;
  /** Where it stopped (or 'done'). */
  phase: DomainPhase;
  error: string | undefined;
  /** ok when done; else what stopped it (its exit status through exitCodeFor). */
  outcome: Outcome;
  provisioned: ProvisionReport | undefined;
  transfer: TransferReport | undefined;
  verify: MailboxVerdict[] | undefined;
  seconds: number;
  /** Of the transfer alone (for its rate). */
  transferSeconds: number;
  /** Of the verification alone. */
  verifySeconds: number;
}

export interface MoveRunResult {
  run: number;
  /** This process continued a run that had stopped, rather than starting one. */
  continued: boolean;
  outcome: Outcome;
  status: Exclude<RunStatus, 'running' | 'abandoned'>;
  outcomes: DomainOutcome[];
  /** Domains an earlier attempt of this run had already finished. */
  alreadyDone: string[];
  /** Which way the mail went, and why (undefined when the hosts were never reached). */
  dataPath: Pick<DataPath, 'kind' | 'why'> | undefined;
  /** --server: the settings that differ, those carried, and those left (with why). */
  server?:
    (ServerComparison & { applied: SettingApplied[]; left: Array<{ key: string; why: string }> }) | undefined;
}

export interface MoveRunContext {
  session: HostSession;
  records: Records;
  log: Logger;
  /** Once aborted no domain, stage or mailbox starts; what runs finishes or is cut. */
  signal: AbortSignal;
  breakLock: boolean;
  retry?: RetryPolicy;
  /** The progress display of one domain's transfer. */
  progress: (domain: string, mailboxes: number) => TransferEvents & { stop(): void };
  /** A domain's provisioning, as soon as it is done. */
  provisioned?: (report: ProvisionReport) => void;
  /** Each domain as it ends, for the command to print. */
  domainEnded?: (outcome: DomainOutcome) => void;
  /** What the operator should read as the run goes (the data path, a leftover grant removed). */
  notice?: (text: string) => void;
}

/**
 * Mailbox progress, as the state store keeps it: messages and bytes as each stream ends (so a
 * run stopped half-way shows what it copied), the mailbox once it is done.
 */
export function recorder(runId: number, domain: string, runs: RunJournal): TransferEvents {
  return {
    started: (box) => runs.mailbox(runId, domain, box.label, 'copying'),
    sent: (box, f) => {
      runs.mailbox(runId, domain, box.label, 'copying', f);
      runs.addTotals(runId, domain, f);
    },
    finished: (box, r) => {
      if (r instanceof Error) return runs.mailbox(runId, domain, box.label, 'failed', { error: r.message });
      runs.mailbox(runId, domain, box.label, 'done');
      runs.addTotals(runId, domain, { mailboxes: 1 });
    },
  };
}

async function moveDomain(
  domain: string,
  run: RunRecord,
  hosts: HostPair,
  ctx: MoveRunContext,
  compress: ReturnType<typeof chooseCompressor> | undefined,
  path: DataPath,
): Promise<DomainOutcome> {
  const started = Date.now();
  const { log, signal } = ctx;
  const { runs, claims } = ctx.records;
  const req = run.request;
  const out = blankOutcome(domain, 'failed', 'preflight');
  const retry = { log, signal, policy: ctx.retry };
  const stage = async <T>(
    phase: DomainPhase,
    step: string,
    work: (attempt: number) => Promise<T>,
  ): Promise<T> => {
    if (signal.aborted) throw signal.reason ?? new InterruptedError('interrupted');
    out.phase = phase;
    runs.setPhase(run.id, domain, phase);
    runs.step(run.id, domain, step, 'running');
    // The peak so far: where it rose between two lines is where a move's memory went.
    log.info({ domain, phase, maxRssKiB: process.resourceUsage().maxRSS }, 'stage');
    try {
      const r = await withRetry(`${step} ${domain}`, work, retry);
      runs.step(run.id, domain, step, 'done');
      return r;
    } catch (error) {
      runs.step(run.id, domain, step, 'failed', (error as Error).message);
      throw error;
    }
  };
  const claim = () => claims.open(hosts.dest.label, domain);
  const ledgerPlace = { source: run.source, destination: run.destination, domain };
  const ledger = copyLedger(ctx.records, ledgerPlace);
  let lock: DomainLock | undefined;
  let direct: DomainStreams | undefined;
  // New passwords (--from-system --new-passwords) go to a file of the operator's, beside the store.
  const system = req.fromSystem && {
    ...req.fromSystem,
    passwordFile: newPasswordFile(ctx.records.file, domain, hosts.dest.label),
  };
  try {
    requireFitHosts(hosts, req.fromSystem ? 'system' : 'vpopmail');
    lock = await withRetry(
      `lock ${domain}`,
      () =>
        lockDomain({
          dest: hosts.dest,
          domain,
          locks: ctx.records.locks,
          storeId: ctx.records.storeId,
          runId: run.id,
          breakLock: ctx.breakLock,
          log,
        }),
      retry,
    );
    const fence = lock.fence;
    const pf = await stage('preflight', 'preflight', () =>
      preflight(domain, hosts.source, hosts.dest, {
        merge: req.merge,
        skipUnrepresentable: req.skipUnrepresentable === true,
        claim: claim(),
        system,
      }),
    );
    if (pf.problems.length > 0)
      throw new PreconditionError(
        `${domain} cannot be moved to ${hosts.dest.label}:\n  ${pf.problems.join('\n  ')}`,
      );
    // Recorded before vadddomain runs: a domain found later without vmigrate's marker (the run
    // stopped in between) is then known to be this run's, not somebody else's.
    if (pf.mode === 'create') claims.claim(run.id, domain);
    const forgotten = forgetAbsentMailboxes(ctx.records, ledgerPlace, pf.sourceInventory, pf.destInventory);
    if (forgotten.length > 0)
      log.info(
        { domain, mailboxes: forgotten.length },
        'ledger of mailboxes absent on the destination forgotten',
      );
    const provisioned = await stage('provisioning', 'provision', async (attempt) =>
      provision(
        attempt === 0
          ? pf
          : await preflight(domain, hosts.source, hosts.dest, {
              merge: req.merge,
              skipUnrepresentable: req.skipUnrepresentable === true,
              claim: claim(),
              system,
            }),
        log,
        {},
        { fence },
      ),
    );
    // The marker is there now: the claim on an unmarked domain is no longer needed.
    claims.close(hosts.dest.label, domain);
    out.provisioned = provisioned;
    ctx.provisioned?.(provisioned);
    // The direct path's login runs while the first mailboxes are listed; its streams wait for it.
    direct = openDirectStreams(
      path,
      {
        runId: run.id,
        domain,
        domainDir: provisioned.destInventory.dir,
        owner: { uid: provisioned.destInventory.uid, gid: provisioned.destInventory.gid },
      },
      hosts,
      ctx.records,
      log,
    );
    // (Where auto's grant does not answer, the log says so and the streams go by the relay.)
    log.info({ domain, dataPath: direct ? 'direct' : 'relay' }, 'transfer');
    const transferStarted = Date.now();
    const progress = ctx.progress(domain, pf.sourceInventory.users.length);
    const transfer = await stage('transferring', 'transfer', () =>
      transferDomain(hosts, pf.sourceInventory, provisioned.destInventory, {
        concurrency: req.concurrency,
        log,
        events: fanOut(progress, recorder(run.id, domain, runs)),
        signal: transferSignal(direct, signal),
        compress,
        fence,
        ledger,
        deleteCopied: req.deleteCopied === true,
        retry: ctx.retry,
        together: ctx.records.together,
        tree: direct?.tree,
        slices: direct?.slices,
        // Checksums read every message on both sides: that verification walks both afresh.
        verify: !req.checksum,
      }),
    ).finally(() => progress.stop());
    // A grant that did not answer stopped the transfer before any stream: the domain stops
    // for that reason, not the transfer's (which only saw itself stopped).
    await direct?.opened.catch((error: Error) => {
      runs.step(run.id, domain, 'transfer', 'failed', error.message);
      throw error;
    });
    // The verdicts of the groups verified as they were copied are the verification's, below.
    const { verdicts: copiedVerdicts, ...transferReport } = transfer;
    out.transfer = transferReport;
    out.transferSeconds = (Date.now() - transferStarted) / 1000;
    if (transfer.interrupted.length > 0) throw signal.reason ?? new InterruptedError('interrupted');
    if (transfer.failures.length > 0)
      throw new VmigrateError(
        `${transfer.failures.length} mailbox(es) failed: ${transfer.failures
          .slice(0, 3)
          .map((f) => `${f.label}: ${f.error}`)
          .join('; ')}`,
      );
    const verifyStarted = Date.now();
    // Without checksums each group was verified as soon as it was copied (verify-copied.ts).
    const verdicts = await stage(
      'verifying',
      'verify',
      async () =>
        copiedVerdicts ??
        verifyDomain(hosts, pf.sourceInventory, provisioned.destInventory, {
          concurrency: req.concurrency,
          checksum: req.checksum,
          written: ledger.written,
        }),
    );
    out.verifySeconds = (Date.now() - verifyStarted) / 1000;
    out.verify = verdicts;
    const problems = verdicts.reduce((n, v) => n + v.problems.length, 0);
    if (problems > 0) throw new VerificationError(`verification found ${problems} difference(s)`);
    out.status = 'done';
    out.phase = 'done';
    out.outcome = 'ok';
    runs.setPhase(run.id, domain, 'done');
  } catch (error) {
    // Nothing more can be recorded: the run stops (the lock is still released, below).
    const lost = storeFailure(error, ctx.records.file);
    if (lost) throw lost;
    const err = error instanceof Error ? error : new Error(String(error));
    out.error = err.message;
    if (signal.aborted) {
      out.status = 'interrupted';
      out.outcome = 'interrupted';
      // The phase it stopped in stays: resume starts that stage again.
      runs.setPhase(run.id, domain, out.phase, 'interrupted');
    } else {
      out.outcome = outcomeOf(err);
      runs.setPhase(run.id, domain, 'failed', err.message);
      log.error({ domain, phase: out.phase, err: err.message }, 'domain failed');
    }
  } finally {
    // The grant first: it needs no lock, and a lost lock must not keep it.
    await direct?.close();
    await lock
      ?.release()
      .catch((e: Error) => log.warn({ domain, err: e.message }, 'could not release the lock'));
  }
  out.seconds = (Date.now() - started) / 1000;
  return out;
}

function blankOutcome(domain: string, status: DomainStatus, phase: DomainPhase): DomainOutcome {
  return {
    domain,
    status,
    phase,
    error: undefined,
    outcome: 'failed',
    provisioned: undefined,
    transfer: undefined,
    verify: undefined,
    seconds: 0,
    transferSeconds: 0,
    verifySeconds: 0,
  };
}

function notStarted(domain: string, why: string): DomainOutcome {
  return { ...blankOutcome(domain, 'not started', 'pending'), error: why };
}

/** Runs (or continues) a move run; its record must already belong to this process. */
export async function runMove(
  run: RunRecord,
  ctx: MoveRunContext,
  opened?: HostPair,
  continued = false,
): Promise<MoveRunResult> {
  const req = run.request;
  const { runs } = ctx.records;
  const all = runs.domains(run.id);
  const alreadyDone = all.filter((d) => d.phase === 'done').map((d) => d.domain);
  const todo = all.filter((d) => d.phase !== 'done').map((d) => d.domain);
  let outcomes: DomainOutcome[];
  let dataPath: MoveRunResult['dataPath'];
  try {
    const hosts = opened ?? (await openPair(ctx.session, req.from, req.to));
    const compress = req.compress ? chooseCompressor(hosts) : undefined;
    for (const said of await sweepGrants(hosts.dest, ctx.records, ctx.log, run.id)) ctx.notice?.(said);
    const path = await chooseDataPath(
      { asked: req.dataPath ?? 'relay', from: req.from, to: req.to, directAddress: req.directAddress },
      hosts,
      ctx.session,
    );
    dataPath = { kind: path.kind, why: path.why };
    ctx.log.info({ dataPath: path.kind, why: path.why, from: path.from }, 'data path');
    ctx.notice?.(`data path: ${path.why}`);
    const swept = sweptNotice(path, hosts.source.label);
    if (swept) {
      ctx.log.info({ host: hosts.source.label, swept: path.swept }, 'direct path leftovers removed');
      ctx.notice?.(swept);
    }
    const limit = pLimit(Math.max(1, req.domainsConcurrency));
    let failFastStop = false;
    let storeLost = false;
    const settled = await Promise.allSettled(
      todo.map((domain) =>
        limit(async () => {
          if (ctx.signal.aborted) return notStarted(domain, 'the run was stopped');
          if (failFastStop) return notStarted(domain, 'an earlier domain failed (--fail-fast)');
          if (storeLost) return notStarted(domain, 'the state store failed');
          const o = await moveDomain(domain, run, hosts, ctx, compress, path).catch((error: unknown) => {
            storeLost = true;
            throw error;
          });
          if (o.status === 'failed' && req.failFast) failFastStop = true;
          ctx.domainEnded?.(o);
          return o;
        }),
      ),
    );
    // Every domain has ended (each released its lock) before a failure of the store is told.
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    outcomes = settled.map((s) => (s as PromiseFulfilledResult<DomainOutcome>).value);
  } catch (error) {
    // A store that failed may fail again here: the first failure is the one to tell.
    try {
      runs.finish(run.id, ctx.signal.aborted ? 'interrupted' : 'failed');
    } catch (again) {
      if (!isStoreFailure(error)) throw again;
    }
    throw error;
  }
  const status: MoveRunResult['status'] = ctx.signal.aborted
    ? 'interrupted'
    : outcomes.every((o) => o.status === 'done')
      ? 'done'
      : 'failed';
  runs.finish(run.id, status);
  // Domains not started (--fail-fast) say nothing of their own: the failures decide.
  const outcome: Outcome =
    status === 'interrupted'
      ? 'interrupted'
      : combinedOutcome(outcomes.filter((o) => o.status !== 'not started').map((o) => o.outcome));
  return { run: run.id, continued, outcome, status, outcomes, alreadyDone, dataPath };
}
