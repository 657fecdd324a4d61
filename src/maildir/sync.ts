/**
 * One delta pass over one mailbox: list both sides, rename what only changed its flags or
 * moved from new/ to cur/, stream what the destination lacks. Repeatable at will: a second
 * pass over an unchanged mailbox sends nothing.
 */
import { PreconditionError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { fenceCheck, fencedError, type Fence } from '../remote/batch.js';
import { nulList, showName } from './byte-names.js';
import {
  kindOf,
  messageKey,
  planDelta,
  type MessageKey,
  type WrittenFile,
  type WrittenMessage,
} from './delta.js';
import { planChunks, type ChunkLimits } from './chunks.js';
import { listMaildir } from './listing.js';
import { relayTree, type Compressor } from './tar-relay.js';
import { streamRecords } from '../remote/stream-lines.js';

export interface Mailbox {
  /** user@domain, for progress and errors. */
  label: string;
  sourceDir: string;
  destDir: string;
  owner: { uid: number; gid: number };
}

export interface MailboxResult {
  label: string;
  /** Messages sent whole; a message that vanished from the source before tar read it is not one. */
  messagesCopied: number;
  /** Listed for the copy but gone from the source when tar came to them (a live mailbox). */
  vanished: number;
  /** What the source holds that vmigrate never copies (links, FIFOs, devices), shown by name. */
  skipped: Array<{ path: string; kind: string }>;
  /** Messages changed on both sides, left as a user made them on the destination. */
  kept: Array<{ path: string; why: string }>;
  /** Messages a user deleted or moved away on the destination: not sent again. */
  leftOut: number;
  /** Message content bytes sent (what the source listing said those messages weigh). */
  contentBytes: number;
  /** Bytes of the tar stream that went through the controller (headers included). */
  streamBytes: number;
  renamed: number;
  deleted: number;
  otherFiles: number;
}

export interface SyncEvents {
  /**
   * Called once the delta is known: what this pass will send (`streamBytes`: about what its
   * tar streams will weigh uncompressed, the unit of the `bytes` event).
   */
  planned?: (box: Mailbox, totals: { messages: number; bytes: number; streamBytes: number }) => void;
  /** Bytes of a tar stream went through (headers included; compressed with --compress). */
  bytes?: (box: Mailbox, n: number) => void;
  /** A stream of this mailbox ended: the messages and content bytes it brought. */
  sent?: (box: Mailbox, figures: { messages: number; bytes: number }) => void;
  /**
   * The messages about to be sent, with the path and size they will have on the destination,
   * before any byte moves. Recorded first on purpose: a unique name is unique to one message,
   * so whatever of these reaches the destination is vmigrate's.
   */
  copying?: (box: Mailbox, messages: WrittenKey[]) => void;
  /** These arrived whole (their stream ended without an error). */
  confirmed?: (box: Mailbox, messages: MessageKey[]) => void;
  /** Other files (IMAP and POP state) about to be sent, as they will be on the destination. */
  copyingFiles?: (box: Mailbox, files: Array<{ path: string; size: number; mtime: number }>) => void;
  /** Those that arrived whole. */
  confirmedFiles?: (box: Mailbox, paths: string[]) => void;
  /** These are now at `path` on the destination as vmigrate knows it: renamed, or found agreeing. */
  renamed?: (box: Mailbox, messages: WrittenKey[]) => void;
  /** Messages removed from the destination because the source no longer has them (--delete). */
  deleted?: (box: Mailbox, messages: MessageKey[]) => void;
}

const BLOCK = 512;
const up = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * What a GNU tar stream of `members` weighs: a header block each (two and the name's blocks
 * for a name over 100 bytes), the contents padded to blocks, the end blocks and the record.
 */
export function tarSize(members: readonly string[], sizeOf: (path: string) => number): number {
  if (members.length === 0) return 0;
  let n = 2 * BLOCK;
  for (const m of members) {
    n += BLOCK + up(sizeOf(m), BLOCK);
    if (m.length >= 100) n += BLOCK + up(m.length + 1, BLOCK);
  }
  return up(n, 20 * BLOCK);
}

/** A message and what it is (or will be) on the destination. */
export type WrittenKey = MessageKey & { path: string; size: number };

function keysOf(paths: readonly string[], sizeOf: (path: string) => number): WrittenKey[] {
  const out: WrittenKey[] = [];
  for (const path of paths) {
    const k = messageKey(path);
    if (k) out.push({ ...k, path, size: sizeOf(path) });
  }
  return out;
}

export async function syncMailbox(
  source: Remote,
  dest: Remote,
  box: Mailbox,
  events: SyncEvents = {},
  options: {
    compress?: Compressor | undefined;
    fence?: Fence | undefined;
    /** The ledger: how vmigrate last wrote each message here (see planDelta). */
    written?: ReadonlyMap<string, WrittenMessage> | undefined;
    /** The ledger of the other files (IMAP and POP state), by path. */
    writtenFiles?: ReadonlyMap<string, WrittenFile> | undefined;
    /** --delete: remove what vmigrate wrote and the source no longer has, unless a user changed it. */
    deleteCopied?: boolean | undefined;
    /** Slices of the copy that may stream side by side (default: one stream). */
    chunks?: ChunkLimits | undefined;
    /** Runs one stream when a slot is free (the domain's bound on parallel streams). */
    streamSlot?: (<T>(f: () => Promise<T>) => Promise<T>) | undefined;
  } = {},
): Promise<MailboxResult> {
  const [from, to] = await Promise.all([listMaildir(source, box.sourceDir), listMaildir(dest, box.destDir)]);
  const delta = planDelta(from, to, {
    written: options.written,
    writtenFiles: options.writtenFiles,
    deleteCopied: options.deleteCopied,
  });
  const listed = new Map(from.map((e) => [e.path, e]));
  const onDest = new Map(to.map((e) => [e.path, e]));
  const sourceSize = (p: string) => listed.get(p)?.size ?? 0;
  const destSize = (p: string) => onDest.get(p)?.size ?? 0;
  if (delta.arrived.length > 0) events.renamed?.(box, keysOf(delta.arrived, destSize));
  events.planned?.(box, {
    messages: delta.messages,
    bytes: delta.bytes,
    streamBytes: tarSize(delta.copy, sourceSize),
  });
  if (delta.renames.length > 0) {
    await inBase(dest, box.destDir, RENAME, delta.renames.flat(), `renaming in ${box.label}`, options.fence);
    // A rename keeps the destination's content: its size is what the old name had.
    const renamedFrom = new Map(delta.renames.map(([was, now]) => [now, was]));
    events.renamed?.(
      box,
      keysOf([...renamedFrom.keys()], (now) => destSize(renamedFrom.get(now) ?? now)),
    );
  }
  if (delta.deletes.length > 0) {
    await inBase(dest, box.destDir, DELETE, delta.deletes, `deleting in ${box.label}`, options.fence);
    events.deleted?.(
      box,
      delta.deletes.map(messageKey).filter((k) => k !== undefined),
    );
  }
  let streamBytes = 0;
  let vanished = 0;
  if (delta.copy.length > 0) {
    events.copying?.(box, keysOf(delta.copy, sourceSize));
    const files = delta.copy.flatMap((p) => {
      const e = listed.get(p);
      return e?.type === 'f' && messageKey(p) === undefined ? [e] : [];
    });
    if (files.length > 0)
      events.copyingFiles?.(
        box,
        files.map((e) => ({ path: e.path, size: e.size, mtime: e.mtime })),
      );
    const relay = async (members: string[], extract?: 'direct') => {
      const r = await relayTree(source, dest, {
        sourceBase: box.sourceDir,
        destBase: box.destDir,
        members,
        owner: box.owner,
        live: true,
        ...(options.compress ? { compress: options.compress } : {}),
        ...(extract ? { extract } : {}),
        onBytes: (n) => {
          streamBytes += n;
          events.bytes?.(box, n);
        },
      });
      vanished += r.vanished;
      // What this stream brought, in one pass over its members.
      const arrived: MessageKey[] = [];
      const arrivedFiles: string[] = [];
      let bytes = 0;
      for (const m of members) {
        const e = listed.get(m);
        if (e?.type !== 'f') continue;
        const k = messageKey(m);
        if (k) {
          arrived.push(k);
          bytes += e.size;
        } else arrivedFiles.push(m);
      }
      events.sent?.(box, { messages: Math.max(0, arrived.length - r.vanished), bytes });
      events.confirmed?.(box, arrived);
      if (arrivedFiles.length > 0) events.confirmedFiles?.(box, arrivedFiles);
    };
    const plan = planChunks(
      delta.copy,
      (p) => listed.get(p)?.type === 'd',
      sourceSize,
      options.chunks ?? { maxBytes: Infinity, maxFiles: Infinity },
    );
    const slot = options.streamSlot ?? ((f: () => Promise<void>) => f());
    if (plan.chunks.length <= 1) await slot(() => relay(delta.copy));
    else {
      // Parents first, so that parallel extractions never race to create them; then the
      // slices side by side; then the directories again, whose mtimes the files changed
      // (they exist by then, and only their modes and mtimes are set).
      if (plan.dirs.length > 0) await slot(() => relay(plan.dirs));
      await Promise.all(plan.chunks.map((c) => slot(() => relay(c))));
      if (plan.dirs.length > 0) await slot(() => relay(plan.dirs, 'direct'));
    }
  }
  if (delta.conflicts.length > 0)
    throw new PreconditionError(
      `${box.label}: ${delta.conflicts.length} path(s) not copied, because of what the destination has in their way:\n  ` +
        delta.conflicts
          .slice(0, 20)
          .map((c) => `${showName(c.path)}: ${c.why}`)
          .join('\n  ') +
        (delta.conflicts.length > 20 ? `\n  … and ${delta.conflicts.length - 20} more` : ''),
      {
        host: dest.label,
        hint: `vmigrate never writes through a symbolic link or over another kind of file: move these aside in ${box.destDir} on ${dest.label} and run the command again`,
      },
    );
  return {
    label: box.label,
    messagesCopied: Math.max(0, delta.messages - vanished),
    vanished,
    skipped: delta.skipped.map((e) => ({ path: e.path, kind: kindOf(e.type) })),
    kept: delta.kept,
    leftOut: delta.leftOut,
    contentBytes: delta.bytes,
    streamBytes,
    renamed: delta.renames.length,
    deleted: delta.deletes.length,
    otherFiles: delta.files,
  };
}

/**
 * Renames and deletions read their paths from stdin, NUL-separated: a name may hold any byte,
 * and a command line is text. Paths are relative to the base; `mv -T` and `rm -f` act on the
 * last component itself, and a rename's target directory was checked by planDelta.
 */
const RENAME = 'xargs -0 -r -x -n 2 mv -f -T --';
const DELETE = 'xargs -0 -r rm -f --';

async function inBase(
  dest: Remote,
  base: string,
  command: string,
  paths: readonly string[],
  what: string,
  fence: Fence | undefined,
): Promise<void> {
  const script = `cd "$1" || exit 1\n${fence ? `${fenceCheck(fence)}\n` : ''}${command}`;
  try {
    await streamRecords(dest, ['sh', '-c', script, 'sh', base], what, () => {}, { stdin: nulList(paths) });
  } catch (err) {
    throw fencedError(err, dest.label, fence) ?? err;
  }
}
