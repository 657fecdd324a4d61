/**
 * `vmigrate sync`: one delta pass over a domain already on both hosts, recorded as a run (so
 * `status` shows it and the domain is locked) but never resumed: a sync that stopped is simply
 * run again. The destination is locked before it is read, so that a batch a killed controller
 * left running there has finished (the lock's fence waits for it) before its state is taken
 * for the truth. The source, which the lock does not guard, is read meanwhile.
 */
import type { Outcome } from '../errors.js';
import { openPair } from '../hosts/open-hosts.js';
import type { HostPair } from '../hosts/open-hosts.js';
import type { HostSession } from '../hosts/session.js';
import type { Fence } from '../remote/batch.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import type { Logger } from '../log/logger.js';
import type { Records } from '../state/records.js';
import type { MoveRequest, RunRecord } from '../state/run-journal.js';
import { readInventory } from '../vpopmail/inventory.js';
import { validateDomain } from '../vpopmail/names.js';
import { copyLedger } from './copy-ledger.js';
import {
  chooseDataPath,
  openDirectStreams,
  sweepGrants,
  transferSignal,
  type DataPath,
  type DataPathAsk,
} from './direct-path.js';
import { lockForRun } from './domain-lock.js';
import { requireFitHosts } from './preflight.js';
import { recordedSourceReader } from './source-reader.js';
import { fanOut } from './fan-out.js';
import { recorder } from './run-move.js';
import { chooseCompressor, transferDomain, type TransferEvents, type TransferReport } from './transfer.js';

export interface SyncAsk {
  domain: string;
  from: string;
  to: string;
  concurrency: number;
  compress: boolean;
  deleteCopied: boolean;
  breakLock: boolean;
  /** --data-path and --direct-address (default: the relay). */
  dataPath?: DataPathAsk | undefined;
  directAddress?: string | undefined;
  /** The configuration files named, as a move records them. */
  configFile?: string | undefined;
  sshConfigFile?: string | undefined;
}

export interface SyncEnv {
  session: HostSession;
  records: Records;
  log: Logger;
  signal: AbortSignal;
  started?: (run: RunRecord) => void;
  /** Made once the number of mailboxes is known; stopped when the pass ends. */
  progress: (mailboxes: number) => TransferEvents & { stop(): void };
}

export interface SyncResult {
  run: number;
  outcome: Outcome;
  dataPath: Pick<DataPath, 'kind' | 'why'>;
  report: TransferReport;
  seconds: number;
}

/** The request recorded for a run on one domain (sync, cutover, rollback): what status shows. */
export function oneDomainRequest(
  domain: string,
  ask: Pick<
    SyncAsk,
    'from' | 'to' | 'compress' | 'concurrency' | 'configFile' | 'sshConfigFile' | 'dataPath' | 'directAddress'
  > & {
    checksum?: boolean;
    deleteCopied?: boolean;
  },
): MoveRequest {
  return {
    domains: [domain],
    from: ask.from,
    to: ask.to,
    merge: false,
    skipUnrepresentable: false,
    checksum: ask.checksum === true,
    compress: ask.compress === true,
    concurrency: ask.concurrency,
    domainsConcurrency: 1,
    failFast: false,
    deleteCopied: ask.deleteCopied === true,
    ...(ask.dataPath === undefined ? {} : { dataPath: ask.dataPath }),
    ...(ask.directAddress === undefined ? {} : { directAddress: ask.directAddress }),
    configFile: ask.configFile,
    sshConfigFile: ask.sshConfigFile,
  };
}

export async function runSync(ask: SyncAsk, env: SyncEnv): Promise<SyncResult> {
  const domain = validateDomain(ask.domain);
  const started = Date.now();
  // Hosts first: a host that cannot be reached or used leaves no run behind.
  const hosts = await openPair(env.session, ask.from, ask.to);
  const { runs } = env.records;
  const reader = recordedSourceReader(hosts, domain, ask, env.records);
  requireFitHosts(hosts, reader.kind);
  // The source's kind and the move's choices go with the request: the next command reads it alike.
  const run = runs.create('sync', { ...oneDomainRequest(domain, ask), ...reader.origin });
  env.started?.(run);
  let report: TransferReport;
  let path: DataPath | undefined;
  try {
    // Both inventories are read while the data path is chosen (the reach probe waits on a
    // login from the source), the destination's once the lock is held. Settled either way: a
    // failed choice or lock must not leave a read rejecting unheard.
    const sourceRead = reader.read();
    sourceRead.catch(() => {});
    await sweepGrants(hosts.dest, env.records, env.log);
    const choice = chooseDataPath(
      { asked: ask.dataPath ?? 'relay', from: ask.from, to: ask.to, directAddress: ask.directAddress },
      hosts,
      env.session,
    );
    choice.catch(() => {});
    const lock = await lockForRun(hosts.dest, domain, run.id, { ...env, breakLock: ask.breakLock });
    try {
      const destRead = readInventory(hosts.dest.remote, hosts.dest.caps, domain);
      destRead.catch(() => {});
      path = await choice;
      env.log.info({ domain, dataPath: path.kind, why: path.why, swept: path.swept }, 'data path');
      runs.setPhase(run.id, domain, 'transferring');
      report = await deltaPass(hosts, domain, {
        run,
        env,
        fence: lock.fence,
        ...transferOf(ask),
        sourceRead,
        destRead,
        path,
      });
    } finally {
      await lock
        .release()
        .catch((e: Error) => env.log.warn({ err: e.message }, 'could not release the lock'));
    }
  } catch (error) {
    // Recorded as ended, so that `status` does not show a sync that will never resume.
    runs.setPhase(run.id, domain, 'failed', (error as Error).message);
    runs.finish(run.id, env.signal.aborted ? 'interrupted' : 'failed');
    throw error;
  }
  const outcome: Outcome =
    report.interrupted.length > 0 ? 'interrupted' : report.failures.length > 0 ? 'failed' : 'ok';
  runs.setPhase(
    run.id,
    domain,
    outcome === 'ok' ? 'done' : 'failed',
    outcome === 'ok' ? undefined : `${report.failures.length} mailbox(es) failed`,
  );
  runs.finish(run.id, outcome === 'ok' ? 'done' : outcome === 'interrupted' ? 'interrupted' : 'failed');
  return {
    run: run.id,
    outcome,
    dataPath: { kind: path.kind, why: path.why },
    report,
    seconds: (Date.now() - started) / 1000,
  };
}

/** How a pass moves messages, as asked. */
export function transferOf(ask: { concurrency: number; compress: boolean; deleteCopied?: boolean }) {
  return { concurrency: ask.concurrency, compress: ask.compress, deleteCopied: ask.deleteCopied === true };
}

export interface PassContext {
  run: RunRecord;
  env: Pick<SyncEnv, 'records' | 'log' | 'signal' | 'progress'>;
  fence: Fence;
  concurrency: number;
  compress: boolean;
  deleteCopied: boolean;
  /** The source's inventory when its read has already begun. */
  sourceRead?: Promise<Inventory> | undefined;
  /** The destination's, likewise. */
  destRead?: Promise<Inventory> | undefined;
  /** The run's data path (default: the relay). */
  path?: DataPath | undefined;
}

/**
 * One delta pass over a domain on both hosts of `hosts`, in that direction, under a lock
 * already held: what sync runs once, and a cutover several times (its final sync, each pass
 * of its sweep, and a rollback's pass back to the source).
 */
export async function deltaPass(hosts: HostPair, domain: string, ctx: PassContext): Promise<TransferReport> {
  const [source, dest] = await Promise.all([
    ctx.sourceRead ?? readInventory(hosts.source.remote, hosts.source.caps, domain),
    ctx.destRead ?? readInventory(hosts.dest.remote, hosts.dest.caps, domain),
  ]);
  const { records, log, signal } = ctx.env;
  // The direct path's login runs while the first mailboxes are listed; its streams wait for it.
  const direct =
    ctx.path &&
    openDirectStreams(
      ctx.path,
      { runId: ctx.run.id, domain, domainDir: dest.dir, owner: { uid: dest.uid, gid: dest.gid } },
      hosts,
      records,
      log,
    );
  const progress = ctx.env.progress(source.users.length);
  try {
    const report = await transferDomain(hosts, source, dest, {
      concurrency: ctx.concurrency,
      log,
      events: fanOut(progress, recorder(ctx.run.id, domain, records.runs)),
      signal: transferSignal(direct, signal),
      compress: ctx.compress ? chooseCompressor(hosts) : undefined,
      fence: ctx.fence,
      // Keyed by the hosts as named, in the pass's direction.
      ledger: copyLedger(records, {
        source: hosts.source.label,
        destination: hosts.dest.label,
        domain,
      }),
      deleteCopied: ctx.deleteCopied,
      together: records.together,
      tree: direct?.tree,
      slices: direct?.slices,
    });
    // A grant that did not answer stopped the transfer: its reason, not the stopped transfer's.
    await direct?.opened;
    return report;
  } finally {
    progress.stop();
    await direct?.close();
  }
}
