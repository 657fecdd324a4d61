/**
 * One delta pass over a domain already on both hosts (`vmigrate sync`): the destination is
 * locked before it is read, so that a batch a killed controller left running there has
 * finished (the lock's fence waits for it) before its state is taken for the truth. The
 * source, which the lock does not guard, is read meanwhile: one round trip less before the
 * first byte on a slow link.
 */
import type { Logger } from 'pino';
import type { HostSession } from '../hosts/session.js';
import type { RunRecord, RunStore } from '../state/runs.js';
import { readInventory } from '../vpopmail/inventory.js';
import { copyLedger } from './copy-ledger.js';
import { lockDomain } from './domain-lock.js';
import { openPair } from './open-hosts.js';
import { requireFitHosts } from './preflight.js';
import { chooseCompressor, transferDomain, type TransferEvents, type TransferReport } from './transfer.js';

export interface SyncOptions {
  from: string;
  to: string;
  concurrency: number;
  compress: boolean;
  deleteCopied: boolean;
  breakLock: boolean;
  storeId: string;
  log: Logger;
  signal: AbortSignal;
  /** Made once the number of mailboxes is known; stopped when the pass ends. */
  progress: (mailboxes: number) => TransferEvents & { stop(): void };
}

export async function syncDomain(
  session: HostSession,
  runs: RunStore,
  run: RunRecord,
  domain: string,
  o: SyncOptions,
): Promise<TransferReport> {
  const hosts = await openPair(session, o.from, o.to);
  requireFitHosts(hosts);
  const sourceRead = readInventory(hosts.source.remote, hosts.source.caps, domain);
  // Settled either way: a failed lock must not leave the source's read rejecting unheard.
  sourceRead.catch(() => {});
  const lock = await lockDomain({
    dest: hosts.dest,
    domain,
    runs,
    storeId: o.storeId,
    runId: run.id,
    breakLock: o.breakLock,
    log: o.log,
  });
  try {
    const [source, dest] = await Promise.all([
      sourceRead,
      readInventory(hosts.dest.remote, hosts.dest.caps, domain),
    ]);
    const progress = o.progress(source.users.length);
    try {
      return await transferDomain(hosts, source, dest, {
        concurrency: o.concurrency,
        log: o.log,
        events: progress,
        signal: o.signal,
        compress: o.compress ? chooseCompressor(hosts) : undefined,
        fence: lock.fence,
        ledger: copyLedger(runs, { source: run.source, destination: run.destination, domain }),
        deleteCopied: o.deleteCopied,
      });
    } finally {
      progress.stop();
    }
  } finally {
    await lock.release().catch((e: Error) => o.log.warn({ err: e.message }, 'could not release the lock'));
  }
}
