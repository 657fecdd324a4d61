/**
 * The messages of a domain: every mailbox synced with bounded concurrency (one failing mailbox
 * does not stop the others), then quota files rebuilt by vpopmail on the destination.
 */
import pLimit from 'p-limit';
import { PreconditionError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { showName } from '../maildir/byte-names.js';
import { chunkLimitsFor } from '../maildir/chunks.js';
import type { MessageKey, WrittenFile, WrittenMessage } from '../maildir/delta.js';
import {
  syncMailbox,
  type Mailbox,
  type MailboxResult,
  type SyncEvents,
  type WrittenKey,
} from '../maildir/sync.js';
import type { Compressor } from '../maildir/tar-relay.js';
import { runBatch, type Fence } from '../remote/batch.js';
import { fanOut } from './fan-out.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import type { HostPair } from '../hosts/open-hosts.js';

/** Mailboxes at once. Over a 20 ms link one ssh2 channel moves ~23 MB/s and 8 move ~94. */
export const DEFAULT_CONCURRENCY = 8;

/** The compressor both ends have: zstd (fast, strong) before gzip. */
export function chooseCompressor(hosts: HostPair): Compressor {
  const both = (p: 'zstd' | 'gzip') => Boolean(hosts.source.caps.programs[p] && hosts.dest.caps.programs[p]);
  if (both('zstd')) return 'zstd';
  if (both('gzip')) return 'gzip';
  throw new PreconditionError(
    `--compress needs gzip or zstd on both ${hosts.source.label} and ${hosts.dest.label}`,
    { hint: 'drop --compress; on a LAN it only costs CPU' },
  );
}

export function mailboxesOf(source: Inventory, dest: Inventory): Mailbox[] {
  const destUsers = new Map(dest.users.map((u) => [u.name, u]));
  const missing = source.users.filter((u) => !destUsers.has(u.name)).map((u) => u.name);
  if (missing.length > 0)
    throw new PreconditionError(
      `${source.domain} on ${dest.host} lacks ${missing.length} user(s) of the source (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`,
      { hint: `run \`vmigrate provision ${source.domain}\` first (move does it for you)` },
    );
  return source.users.map((u) => ({
    label: `${u.name}@${source.domain}`,
    sourceDir: u.dir,
    destDir: destUsers.get(u.name)?.dir ?? '',
    owner: { uid: dest.uid, gid: dest.gid },
  }));
}

/**
 * What vmigrate wrote into each mailbox, kept across runs (the state store): how each message
 * was left there, so that a sync tells a user's change on the destination from its own, and
 * what `--delete` may remove, and nothing else.
 */
export interface CopyLedger {
  written: (box: Mailbox) => ReadonlyMap<string, WrittenMessage>;
  copying: (box: Mailbox, messages: readonly WrittenKey[]) => void;
  confirmed: (box: Mailbox, messages: readonly MessageKey[]) => void;
  renamed: (box: Mailbox, messages: readonly WrittenKey[]) => void;
  deleted: (box: Mailbox, messages: readonly MessageKey[]) => void;
  /** The same for the other files of each Maildir (IMAP and POP state). */
  writtenFiles: (box: Mailbox) => ReadonlyMap<string, WrittenFile>;
  copyingFiles: (box: Mailbox, files: ReadonlyArray<{ path: string; size: number; mtime: number }>) => void;
  confirmedFiles: (box: Mailbox, paths: readonly string[]) => void;
}

/** Mailboxes listed beyond the streams' bound (see transferDomain). */
const LOOK_AHEAD = 4;

export interface TransferEvents extends SyncEvents {
  started?: (box: Mailbox) => void;
  finished?: (box: Mailbox, result: MailboxResult | Error) => void;
}

export interface TransferReport {
  domain: string;
  mailboxes: MailboxResult[];
  failures: Array<{ label: string; error: string }>;
  /** Mailboxes not finished because the run was stopped. */
  interrupted: string[];
  messagesCopied: number;
  /** Messages listed for the copy that vanished from the source before tar read them. */
  vanished: number;
  contentBytes: number;
  streamBytes: number;
  renamed: number;
  deleted: number;
  /** What the source holds that vmigrate never copies (links, FIFOs, devices), by mailbox; paths as shown. */
  notCopied: Array<{ label: string; path: string; kind: string }>;
  /** Messages changed on both sides: the destination's state kept, by mailbox; paths as shown. */
  keptOnDestination: Array<{ label: string; path: string; why: string }>;
  /** Messages a user deleted or moved away on the destination, not sent again. */
  leftOut: number;
}

export async function transferDomain(
  hosts: HostPair,
  source: Inventory,
  dest: Inventory,
  options: {
    concurrency: number;
    log: Logger;
    events?: TransferEvents;
    signal?: AbortSignal;
    compress?: Compressor | undefined;
    fence?: Fence | undefined;
    ledger?: CopyLedger | undefined;
    /** Remove from the destination what the source deleted since vmigrate copied it. */
    deleteCopied?: boolean;
    /** Retries of a mailbox after a transient failure (its delta is planned afresh each time). */
    retry?: RetryPolicy | undefined;
  },
): Promise<TransferReport> {
  const boxes = mailboxesOf(source, dest);
  // Streams, not mailboxes, are what the concurrency bounds: a big mailbox is cut in slices.
  const streams = pLimit(Math.max(1, options.concurrency));
  // Mailboxes are listed and planned a little ahead of the streams, so that a free stream
  // always finds a slice waiting (the last mailboxes of a domain used to start only when a
  // whole mailbox had finished, and ran alone); a bounded look-ahead keeps the listings held
  // in memory bounded too.
  const limit = pLimit(Math.max(1, options.concurrency) + LOOK_AHEAD);
  const chunks = chunkLimitsFor(
    { bytes: source.totals.bytes, files: source.totals.messages },
    options.concurrency,
  );
  const ev = options.events ?? {};
  const ledger = options.ledger;
  if (options.deleteCopied && !ledger) throw new Error('deleting copied messages needs the ledger of copies');
  // The ledger hears of each copy before its bytes move, then the display.
  const events: SyncEvents = ledger
    ? fanOut(
        {
          copying: ledger.copying,
          confirmed: ledger.confirmed,
          renamed: ledger.renamed,
          deleted: ledger.deleted,
          copyingFiles: ledger.copyingFiles,
          confirmedFiles: ledger.confirmedFiles,
        },
        ev,
      )
    : ev;
  const retry = { log: options.log, signal: options.signal, policy: options.retry };
  const results: MailboxResult[] = [];
  const failures: TransferReport['failures'] = [];
  const interrupted: string[] = [];
  await Promise.all(
    boxes.map((box) =>
      limit(async () => {
        if (options.signal?.aborted) return void interrupted.push(box.label);
        ev.started?.(box);
        try {
          const r = await withRetry(
            `sync ${box.label}`,
            () =>
              syncMailbox(hosts.source.remote, hosts.dest.remote, box, events, {
                compress: options.compress,
                fence: options.fence,
                written: ledger?.written(box),
                writtenFiles: ledger?.writtenFiles(box),
                deleteCopied: options.deleteCopied,
                chunks,
                streamSlot: streams,
              }),
            retry,
          );
          results.push(r);
          options.log.info({ mailbox: box.label, ...r }, 'mailbox synced');
          ev.finished?.(box, r);
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          // Stopped by the operator: not a failure, the mailbox is simply not finished.
          if (options.signal?.aborted) return void interrupted.push(box.label);
          failures.push({ label: box.label, error: e.message });
          options.log.error({ mailbox: box.label, err: e.message }, 'mailbox failed');
          ev.finished?.(box, e);
        }
      }),
    ),
  );
  // vpopmail rebuilds maildirsize from the messages now there and the user's quota.
  const bin = hosts.dest.caps.vpopmail?.bin;
  const quotaSteps = source.users
    .filter((u) => u.quota !== 'NOQUOTA' && u.quota !== '')
    .map((u) => ({
      title: `rebuild the quota file of ${u.name}@${source.domain}`,
      argv: [`${bin}/vsetuserquota`, `${u.name}@${source.domain}`, u.quota],
    }));
  if (bin && quotaSteps.length > 0 && !options.signal?.aborted)
    await withRetry(
      'rebuild quota files',
      () => runBatch(hosts.dest.remote, quotaSteps, { fence: options.fence }),
      retry,
    );
  const sum = (f: (r: MailboxResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    domain: source.domain,
    mailboxes: results.sort((a, b) => (a.label < b.label ? -1 : 1)),
    failures,
    interrupted: interrupted.sort(),
    messagesCopied: sum((r) => r.messagesCopied),
    vanished: sum((r) => r.vanished),
    contentBytes: sum((r) => r.contentBytes),
    streamBytes: sum((r) => r.streamBytes),
    renamed: sum((r) => r.renamed),
    deleted: sum((r) => r.deleted),
    notCopied: results.flatMap((r) =>
      r.skipped.map((x) => ({ label: r.label, path: showName(x.path), kind: x.kind })),
    ),
    keptOnDestination: results.flatMap((r) =>
      r.kept.map((x) => ({ label: r.label, path: showName(x.path), why: x.why })),
    ),
    leftOut: sum((r) => r.leftOut),
  };
}
