/**
 * The messages of a domain: every mailbox synced with bounded concurrency (one failing mailbox
 * does not stop the others), then quota files rebuilt by vpopmail on the destination.
 */
import pLimit from 'p-limit';
import { ConnectionError, DiskFullError, PreconditionError } from '../errors.js';
import { diskFullReport } from './disk-full.js';
import { quotaFileUsers, quotaFilesCommand } from '../vpopmail/quota-rebuild.js';
import type { Logger } from '../log/logger.js';
import { showName } from '../maildir/byte-names.js';
import { chunkLimitsFor, type SliceShape } from '../maildir/chunks.js';
import type { MessageKey, WrittenFile, WrittenMessage } from '../maildir/delta.js';
import { forEachGroup } from '../maildir/mailbox-groups.js';
import {
  oneByOne,
  syncMailboxes,
  type Mailbox,
  type MailboxResult,
  type SyncEvents,
  type WrittenKey,
} from '../maildir/sync.js';
import type { Compressor, TreeStream } from '../maildir/tar-relay.js';
import { fencedError, type Fence } from '../remote/batch.js';
import { fanOut } from './fan-out.js';
import { isTransient, withRetry, type RetryPolicy } from '../retry.js';
import { isStoreFailure } from '../state/store-failure.js';
import type { Inventory, InventoryUser } from '../vpopmail/inventory-types.js';
import type { HostPair } from '../hosts/open-hosts.js';
import type { MaildirEntry } from '../maildir/listing.js';
import type { MailboxVerdict } from '../maildir/verify.js';
import { verifyCopied } from '../maildir/verify-copied.js';

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

/** What a user's listing is expected to hold: its messages and, per folder, cur/new/tmp and itself. */
function expectedEntries(user: Pick<InventoryUser, 'messages' | 'folders'>): number {
  return user.messages + 4 * Math.max(1, user.folders.length) + 4;
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
    expected: expectedEntries(u),
    mbox: u.mbox,
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
  /** With `verify`: each mailbox copied, verified. */
  verdicts?: MailboxVerdict[];
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
    /** A burst of records as one transaction of the state store (SyncOptions.together). */
    together?: (<T>(burst: () => T) => T) | undefined;
    /** How each tree travels (SyncOptions.tree): the relay by default, or the direct data path. */
    tree?: TreeStream | undefined;
    /** How the domain is cut into streams for that path (default: the relay's). */
    slices?: SliceShape | undefined;
    /**
     * Each group verified as soon as it is copied, while the next groups stream
     * (maildir/verify-copied.ts): the verdicts are in the report.
     */
    verify?: boolean | undefined;
  },
): Promise<TransferReport> {
  const together = options.together ?? oneByOne;
  const boxes = mailboxesOf(source, dest);
  // Streams, not mailboxes, are what the concurrency bounds: a big mailbox is cut in slices,
  // small ones share a stream.
  const streams = pLimit(Math.max(1, options.concurrency));
  const chunks = chunkLimitsFor(
    { bytes: source.totals.bytes, files: source.totals.messages },
    options.concurrency,
    options.slices,
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
  const failureErrors: Error[] = [];
  const interrupted: string[] = [];
  const done = (box: Mailbox, r: MailboxResult) => {
    results.push(r);
    options.log.info({ mailbox: box.label, ...r }, 'mailbox synced');
    ev.finished?.(box, r);
  };
  // The quota files of the mailboxes a group changed, counted again (quota-rebuild.ts) as soon
  // as the group is done, while the next groups stream: one command per group.
  let quotaFailure: Error | undefined;
  const countQuotaFiles = async (groupResults: readonly MailboxResult[]) => {
    const changed = new Set(
      groupResults
        // (A message that vanished was planned: a first copy may have taken the quota file.)
        .filter((r) => r.messagesCopied + r.vanished + r.renamed + r.deleted > 0)
        .map((r) => r.label.slice(0, r.label.lastIndexOf('@'))),
    );
    const count = quotaFilesCommand(
      quotaFileUsers(dest.users, changed),
      { uid: dest.uid, gid: dest.gid },
      options.fence,
    );
    if (!count || options.signal?.aborted) return;
    try {
      await withRetry(
        'count the quota files again',
        async () => {
          try {
            await hosts.dest.remote.run(count.argv, { stdin: count.stdin });
          } catch (err) {
            throw fencedError(err, hosts.dest.label, options.fence) ?? err;
          }
        },
        retry,
      );
    } catch (err) {
      quotaFailure ??= err instanceof Error ? err : new Error(String(err));
    }
  };
  const verdicts: MailboxVerdict[] = [];
  let verifyFailure: Error | undefined;
  const verifyGroup = async (copied: ReadonlyMap<Mailbox, readonly MaildirEntry[]>) => {
    if (!options.verify || copied.size === 0 || options.signal?.aborted) return;
    const boxes = [...copied].map(([box, listed]) => ({ box, listed }));
    try {
      const got = await withRetry(
        `verify ${boxes.length} mailbox(es) from ${boxes[0]?.box.label}`,
        () => verifyCopied(hosts.source.remote, hosts.dest.remote, boxes, ledger?.written),
        retry,
      );
      verdicts.push(...got);
    } catch (err) {
      verifyFailure ??= err instanceof Error ? err : new Error(String(err));
    }
  };
  // Groups are listed and planned a little ahead of the streams, so that a free stream always
  // finds work waiting; a bounded number in flight keeps the listings held in memory bounded.
  await forEachGroup(boxes, options.concurrency, async (group, planned) => {
    if (options.signal?.aborted) return void interrupted.push(...group.map((b) => b.label));
    together(() => group.forEach((box) => ev.started?.(box)));
    const ofGroup: MailboxResult[] = [];
    const copied = new Map<Mailbox, readonly MaildirEntry[]>();
    // Each attempt passes over the mailboxes not yet done; a pass is planned afresh from
    // both listings, so what an earlier attempt copied is not sent again.
    let pending = group;
    let lastErrors = new Map<Mailbox, Error>();
    try {
      await withRetry(
        `sync ${group.length === 1 ? group[0]?.label : `${group.length} mailboxes from ${group[0]?.label}`}`,
        async () => {
          let outcome;
          try {
            outcome = await syncMailboxes(hosts.source.remote, hosts.dest.remote, pending, events, {
              compress: options.compress,
              fence: options.fence,
              ledger:
                ledger &&
                ((box) => ({ written: ledger.written(box), writtenFiles: ledger.writtenFiles(box) })),
              deleteCopied: options.deleteCopied,
              chunks,
              streamSlot: streams,
              bases: { source: source.dir, dest: dest.dir },
              together,
              planned,
              tree: options.tree,
              keepListings: options.verify,
            });
          } catch (error) {
            // The listing itself failed: every mailbox of the attempt with it.
            const e = error instanceof Error ? error : new Error(String(error));
            lastErrors = new Map(pending.map((b) => [b, e]));
            throw e;
          }
          options.log.info(
            {
              mailboxes: pending.length,
              streams: outcome.streams,
              maxRssKiB: process.resourceUsage().maxRSS,
            },
            'group synced',
          );
          const byLabel = new Map(pending.map((b) => [b.label, b]));
          together(() => {
            for (const r of outcome.results) {
              const box = byLabel.get(r.label);
              if (!box) continue;
              done(box, r);
              ofGroup.push(r);
            }
          });
          for (const [box, listed] of outcome.listings) copied.set(box, listed);
          lastErrors = new Map(outcome.failures.map((f) => [f.box, f.error]));
          pending = outcome.failures.map((f) => f.box);
          // Retried only when some failure may be cured by trying again.
          const transient = outcome.failures.find((f) => isTransient(f.error));
          if (transient) throw transient.error;
        },
        retry,
      );
    } catch (error) {
      // What is left failed for good (or the run was stopped): reported below. A state store
      // that cannot record stops the transfer: the ledger is written before any byte moves.
      if (isStoreFailure(error)) throw error;
    }
    // A mailbox failed by the store stops the transfer too, and so does a full destination:
    // every stream after it would fail the same way.
    const stop = [...lastErrors.values()].find((e) => isStoreFailure(e) || e instanceof DiskFullError);
    if (stop) throw stop;
    for (const box of pending) {
      const e = lastErrors.get(box) ?? new Error('not synced');
      // Stopped by the operator: not a failure, the mailbox is simply not finished.
      if (options.signal?.aborted) {
        interrupted.push(box.label);
        continue;
      }
      failures.push({ label: box.label, error: e.message });
      failureErrors.push(e);
      options.log.error({ mailbox: box.label, err: e.message }, 'mailbox failed');
      ev.finished?.(box, e);
    }
    await Promise.all([countQuotaFiles(ofGroup), verifyGroup(copied)]);
  }).catch(async (error: unknown) => {
    if (!(error instanceof DiskFullError)) throw error;
    throw await diskFullReport(
      hosts.dest.remote,
      dest.dir,
      { label: hosts.source.label, bytes: source.totals.bytes },
      error,
    );
  });
  if (quotaFailure) throw quotaFailure;
  if (verifyFailure) throw verifyFailure;
  // Every failure a lost or refused connection: the host is out of reach (exit 4, try again
  // later), not a mailbox that cannot be copied.
  const unreachable = failureErrors.find((e) => e instanceof ConnectionError);
  if (unreachable && failureErrors.every((e) => e instanceof ConnectionError))
    throw new ConnectionError(`${failures.length} mailbox(es) not copied: ${unreachable.message}`, {
      host: unreachable.host,
      cause: unreachable,
      hint: 'once the host answers again, `vmigrate resume` copies what is missing',
    });
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
    ...(options.verify ? { verdicts: verdicts.sort((a, b) => (a.label < b.label ? -1 : 1)) } : {}),
  };
}
