/**
 * One delta pass over a group of mailboxes: list both sides, rename what only changed its flags
 * or moved from new/ to cur/, stream what the destination lacks. Repeatable at will: a second
 * pass over unchanged mailboxes sends nothing.
 */
import { Buffer } from 'node:buffer';
import { PreconditionError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { fenceCheck, fencedError, type Fence } from '../remote/batch.js';
import { fromBytes, showName, tarQuoted } from './byte-names.js';
import { kindOf, messageKey, planDelta, type Delta, type DeltaOptions, type MessageKey } from './delta.js';
import { planChunks, type ChunkLimits } from './chunks.js';
import { listMaildirs, type MaildirEntry } from './listing.js';
import { mboxTree } from './mbox-relay.js';
import { sourceListings } from './source-mailboxes.js';
import { combinedTrees, placesOf, relayTree, type Compressor, type TreeStream } from './tar-relay.js';
import { streamRecords } from '../remote/stream-lines.js';
import { quotedBytes, wholeScript } from '../remote/whole-script.js';

export interface Mailbox {
  /** user@domain, for progress and errors. */
  label: string;
  sourceDir: string;
  destDir: string;
  owner: { uid: number; gid: number };
  /** Entries the source's inventory expects its listing to hold: how mailboxes are grouped. */
  expected?: number;
  /**
   * The source's mail is this mbox file, not a Maildir under sourceDir: it is listed and sent
   * as the Maildir it becomes (mbox-relay.ts), always through the controller.
   */
  mbox?: string | undefined;
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
  /**
   * Bytes of the tar streams (headers included): through the controller on the relay
   * (compressed with --compress), as tar -c wrote them on the direct path.
   */
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
 * What `members` weigh in a GNU tar stream: a header block each (two and the name's blocks for
 * a name over 100 bytes), the contents padded to blocks. Many mailboxes share a stream, so a
 * mailbox's part has no end blocks or record of its own.
 */
function tarMembersSize(members: readonly string[], sizeOf: (path: string) => number): number {
  let n = 0;
  for (const m of members) {
    n += BLOCK + up(sizeOf(m), BLOCK);
    if (m.length >= 100) n += BLOCK + up(m.length + 1, BLOCK);
  }
  return n;
}

/**
 * What tar sends of a listed entry's content: a plain file's bytes; nothing for a directory
 * (find says 4096 of most) or a link. Counting directories made the first copy of small
 * mailboxes, which sends each Maildir's directories, plan about 40% more than it sent.
 */
const contentIn =
  (listed: ReadonlyMap<string, MaildirEntry>) =>
  (path: string): number => {
    const e = listed.get(path);
    return e?.type === 'f' ? e.size : 0;
  };

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

/** What one command of a group reads or writes, from the ledger of each mailbox. */
export interface SyncOptions {
  compress?: Compressor | undefined;
  fence?: Fence | undefined;
  /** The ledger: how vmigrate last wrote each message and other file here (see planDelta). */
  ledger?: ((box: Mailbox) => Pick<DeltaOptions, 'written' | 'writtenFiles'>) | undefined;
  /** --delete: remove what vmigrate wrote and the source no longer has, unless a user changed it. */
  deleteCopied?: boolean | undefined;
  /** Slices of a copy, and of a stream of many mailboxes (default: one stream each). */
  chunks?: ChunkLimits | undefined;
  /** Runs one stream when a slot is free (the domain's bound on parallel streams). */
  streamSlot?: (<T>(f: () => Promise<T>) => Promise<T>) | undefined;
  /**
   * The domain directories: mailboxes below them may share one tar stream, whose archive is
   * relative to the source's and staged in the destination's. Without them each streams alone.
   */
  bases?: { source: string; dest: string } | undefined;
  /**
   * Runs a burst of events (one per mailbox of a group or stream) as one transaction of the
   * state store: a commit per record made a group of 1,000 small mailboxes wait for thousands
   * of fsyncs.
   */
  together?: (<T>(burst: () => T) => T) | undefined;
  /**
   * Called once the pass holds only its plan (what it sends), before its streams: the listings
   * are dropped, renames and deletions done.
   */
  planned?: (() => void) | undefined;
  /** How each tree travels (default relayTree: through the controller). */
  tree?: TreeStream | undefined;
  /**
   * Keep each mailbox's source listing, as its copy was planned from it, in the outcome
   * (GroupOutcome.listings): what a move verifies the copy against.
   */
  keepListings?: boolean | undefined;
}

/** SyncOptions.together where there is no state store to batch for: the burst as it comes. */
export const oneByOne = <T>(burst: () => T): T => burst();

export interface GroupOutcome {
  results: MailboxResult[];
  failures: Array<{ box: Mailbox; error: Error }>;
  /** Tar streams the pass ran (each one command on either side). */
  streams: number;
  /** With keepListings: the source listing each mailbox synced was planned from. */
  listings: Map<Mailbox, readonly MaildirEntry[]>;
}

/** One mailbox on its way through a group's pass. */
interface BoxPass {
  box: Mailbox;
  delta: Delta;
  listed: Map<string, MaildirEntry>;
  onDest: Map<string, MaildirEntry>;
  /**
   * The destination has this user directory as vadduser made it (an empty Maildir) and the
   * copy sends its whole Maildir: in a stream of many it is renamed into place whole.
   */
  fresh: boolean;
  /** The whole source listing, kept for verification (keepListings). */
  snapshot: readonly MaildirEntry[] | undefined;
  streamBytes: number;
  vanished: number;
  error: Error | undefined;
}

const asBytes = (text: string) => fromBytes(Buffer.from(text, 'utf8'));

/** What vadduser makes of a Maildir, parents first. */
const SKELETON = ['Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp'];

/**
 * The destination's listing is the empty Maildir vadduser made (with the quota file it writes
 * for a user under a quota, which the copy counts again anyway), and the source has all of it.
 */
function asMade(dest: readonly MaildirEntry[], source: readonly MaildirEntry[]): boolean {
  const made = (e: MaildirEntry) =>
    e.type === 'd' ? SKELETON.includes(e.path) : e.type === 'f' && e.path === 'Maildir/maildirsize';
  if (!dest.every(made) || dest.filter((e) => e.type === 'd').length !== SKELETON.length) return false;
  const dirs = new Set(source.flatMap((e) => (e.type === 'd' ? [e.path] : [])));
  return SKELETON.every((d) => dirs.has(d));
}

/** The arguments a stream of many mailboxes may carry: far below any command-line limit. */
const TARGET_TEXT = 32 * 1024;

/**
 * One delta pass over a group of mailboxes, in a fixed number of commands whatever their
 * count: one listing per side, one rename and one delete command, and tar streams that carry
 * many small mailboxes each (a big one is cut in slices of its own). Each mailbox stays on its
 * own in the ledger, the events and the outcome: one that fails does not fail the others.
 */
export async function syncMailboxes(
  source: Remote,
  dest: Remote,
  boxes: readonly Mailbox[],
  events: SyncEvents = {},
  options: SyncOptions = {},
): Promise<GroupOutcome> {
  const what = (side: string) => `listing ${boxes.length} mailbox(es) on ${side}`;
  const maildirs = boxes.filter((b) => b.mbox === undefined);
  const [from, to] = await Promise.all([
    sourceListings(
      source,
      boxes,
      maildirs.length === 1 ? `listing ${maildirs[0]?.sourceDir}/Maildir` : what('the source'),
    ),
    listMaildirs(
      dest,
      boxes.map((b) => b.destDir),
      boxes.length === 1 ? `listing ${boxes[0]?.destDir}/Maildir` : what('the destination'),
    ),
  ]);
  const together = options.together ?? oneByOne;
  const passes: BoxPass[] = together(() =>
    boxes.map((box, i) => {
      const got = from[i] ?? [];
      const unread = got instanceof Error ? got : undefined;
      const listed = got instanceof Error ? [] : got;
      const delta = planDelta(listed, unread ? [] : (to[i] ?? []), {
        ...options.ledger?.(box),
        deleteCopied: options.deleteCopied,
      });
      // (With a message to send: the quota file it replaces is counted again after the group.)
      const fresh = !unread && box.mbox === undefined && delta.messages > 0 && asMade(to[i] ?? [], listed);
      // Its Maildir's own directories too, so that the whole tree is in the stream, the owner's.
      if (fresh) delta.copy = [...SKELETON, ...delta.copy];
      const pass = {
        box,
        delta,
        fresh,
        listed: new Map(listed.map((e) => [e.path, e])),
        onDest: new Map((to[i] ?? []).map((e) => [e.path, e])),
        snapshot: options.keepListings ? listed : undefined,
        streamBytes: 0,
        vanished: 0,
        error: unread,
      };
      from[i] = [];
      to[i] = [];
      const destSize = (p: string) => pass.onDest.get(p)?.size ?? 0;
      if (delta.arrived.length > 0) events.renamed?.(box, keysOf(delta.arrived, destSize));
      events.planned?.(box, {
        messages: delta.messages,
        bytes: delta.bytes,
        streamBytes: tarMembersSize(delta.copy, contentIn(pass.listed)),
      });
      return pass;
    }),
  );
  const fail = (p: BoxPass, e: unknown) => (p.error ??= e instanceof Error ? e : new Error(String(e)));
  const live = () => passes.filter((p) => p.error === undefined);

  /** One command on the destination for the paths of many mailboxes; failing, it fails them. */
  const acrossMailboxes = async (
    which: readonly BoxPass[],
    paths: (p: BoxPass) => readonly string[],
    command: DestCommand,
    verb: string,
    done: (p: BoxPass) => void,
  ) => {
    if (which.length === 0) return;
    try {
      await inDest(
        dest,
        command,
        which.flatMap((p) => paths(p).map((x) => `${asBytes(p.box.destDir)}/${x}`)),
        `${verb} in ${which.length === 1 ? which[0]?.box.label : `${which.length} mailboxes`}`,
        options.fence,
      );
      together(() => which.forEach(done));
    } catch (e) {
      which.forEach((p) => fail(p, e));
    }
  };
  await acrossMailboxes(
    live().filter((p) => p.delta.renames.length > 0),
    (p) => p.delta.renames.flat(),
    RENAME,
    'renaming',
    (p) => {
      // A rename keeps the destination's content: its size is what the old name had.
      const renamedFrom = new Map(p.delta.renames.map(([was, now]) => [now, was]));
      events.renamed?.(
        p.box,
        keysOf([...renamedFrom.keys()], (now) => p.onDest.get(renamedFrom.get(now) ?? now)?.size ?? 0),
      );
    },
  );
  await acrossMailboxes(
    live().filter((p) => p.delta.deletes.length > 0),
    (p) => p.delta.deletes,
    DELETE,
    'deleting',
    (p) =>
      events.deleted?.(
        p.box,
        p.delta.deletes.map(messageKey).filter((k) => k !== undefined),
      ),
  );

  // From here on a pass needs only what it sends: a group's streams may run long after the
  // next group is listed.
  for (const p of passes) {
    p.onDest = new Map();
    if (p.delta.copy.length < p.listed.size / 2)
      p.listed = new Map(
        p.delta.copy.flatMap((x) => {
          const e = p.listed.get(x);
          return e ? [[x, e] as const] : [];
        }),
      );
  }
  options.planned?.();
  const limits = options.chunks ?? { maxBytes: Infinity, maxFiles: Infinity };
  const slot = options.streamSlot ?? (<T>(f: () => Promise<T>) => f());
  const packs: BoxPass[][] = [];
  const alone: Array<{ pass: BoxPass; plan: ReturnType<typeof planChunks> }> = [];
  let pack: BoxPass[] = [];
  let packFiles = 0;
  let packBytes = 0;
  let packText = 0;
  // The ledger hears of every copy before any of its bytes move.
  together(() => {
    for (const p of live()) {
      if (p.delta.copy.length === 0) continue;
      events.copying?.(
        p.box,
        keysOf(p.delta.copy, (x) => p.listed.get(x)?.size ?? 0),
      );
      const files = p.delta.copy.flatMap((x) => {
        const e = p.listed.get(x);
        return e?.type === 'f' && messageKey(x) === undefined ? [e] : [];
      });
      if (files.length > 0)
        events.copyingFiles?.(
          p.box,
          files.map((e) => ({ path: e.path, size: e.size, mtime: e.mtime })),
        );
    }
  });
  for (const p of live()) {
    if (p.delta.copy.length === 0) continue;
    const sourceSize = (x: string) => p.listed.get(x)?.size ?? 0;
    // An mbox is read whole for each stream: one stream, not slices.
    const plan = planChunks(
      p.delta.copy,
      (x) => p.listed.get(x)?.type === 'd',
      sourceSize,
      p.box.mbox === undefined ? limits : { maxBytes: Infinity, maxFiles: Infinity },
    );
    const places =
      p.box.mbox === undefined &&
      options.bases &&
      placesOf(options.bases, { source: p.box.sourceDir, dest: p.box.destDir });
    if (plan.chunks.length > 1 || !places) {
      alone.push({ pass: p, plan });
      continue;
    }
    // Directories weigh nothing: the bound is on files, as planChunks counts them.
    const files_ = p.delta.copy.filter((x) => p.listed.get(x)?.type !== 'd').length;
    const bytes = p.delta.copy.reduce((n, x) => n + sourceSize(x), 0);
    const text = places.archived.length + places.dest.length + 16;
    if (
      pack.length > 0 &&
      (packFiles + files_ > limits.maxFiles ||
        packBytes + bytes > limits.maxBytes ||
        packText + text > TARGET_TEXT)
    ) {
      packs.push(pack);
      pack = [];
      packFiles = packBytes = packText = 0;
    }
    pack.push(p);
    packFiles += files_;
    packBytes += bytes;
    packText += text;
  }
  if (pack.length > 0) packs.push(pack);

  const relay = relayWith(source, dest, events, options, together);
  await Promise.all([
    ...packs.map((ps) =>
      slot(() => (ps.length === 1 && ps[0] ? relay.alone(ps[0], ps[0].delta.copy) : relay.many(ps))).catch(
        (e: unknown) => ps.forEach((p) => fail(p, e)),
      ),
    ),
    ...alone.map(async ({ pass: p, plan }) => {
      try {
        if (plan.chunks.length <= 1) await slot(() => relay.alone(p, p.delta.copy));
        else {
          // Parents first, so that parallel extractions never race to create them; then the
          // slices side by side; then the directories again, whose mtimes the files changed
          // (they exist by then, and only their modes and mtimes are set).
          if (plan.dirs.length > 0) await slot(() => relay.alone(p, plan.dirs));
          await Promise.all(plan.chunks.map((c) => slot(() => relay.alone(p, c))));
          if (plan.dirs.length > 0) await slot(() => relay.alone(p, plan.dirs, 'direct'));
        }
      } catch (e) {
        fail(p, e);
      }
    }),
  ]);

  const outcome: GroupOutcome = { results: [], failures: [], streams: relay.streams(), listings: new Map() };
  for (const p of passes) {
    const { delta, box } = p;
    if (p.error === undefined && delta.conflicts.length > 0)
      fail(
        p,
        new PreconditionError(
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
        ),
      );
    if (p.error) {
      outcome.failures.push({ box, error: p.error });
      continue;
    }
    if (p.snapshot) outcome.listings.set(box, p.snapshot);
    outcome.results.push({
      label: box.label,
      messagesCopied: Math.max(0, delta.messages - p.vanished),
      vanished: p.vanished,
      skipped: delta.skipped.map((e) => ({ path: e.path, kind: kindOf(e.type) })),
      kept: delta.kept,
      leftOut: delta.leftOut,
      contentBytes: delta.bytes,
      streamBytes: p.streamBytes,
      renamed: delta.renames.length,
      deleted: delta.deletes.length,
      otherFiles: delta.files,
    });
  }
  return outcome;
}

/**
 * What a stream brought into one mailbox, reported once it ended whole. A member tar found
 * gone (renamed or deleted on the live source since the listing) did not arrive: confirming it
 * would take its absence on the destination for a user's deletion there, and the message, now
 * under its new name, would never be sent. When a name tar printed matches no member (its
 * quoting), nothing of the stream is confirmed: an unconfirmed message missing on the
 * destination is sent again, the safe side.
 */
function arrivedIn(
  p: BoxPass,
  members: readonly string[],
  vanishedNames: readonly string[],
  events: SyncEvents,
): void {
  const gone = new Set(vanishedNames);
  const missing = new Set(
    gone.size === 0 ? [] : members.filter((m) => gone.has(m) || gone.has(tarQuoted(m))),
  );
  const confirmable = missing.size >= gone.size;
  const arrived: MessageKey[] = [];
  const arrivedFiles: string[] = [];
  let messages = 0;
  let bytes = 0;
  for (const m of members) {
    const e = p.listed.get(m);
    if (e?.type !== 'f' || missing.has(m)) continue;
    const k = messageKey(m);
    if (k) {
      arrived.push(k);
      messages += 1;
      bytes += e.size;
    } else arrivedFiles.push(m);
  }
  if (!confirmable) messages = Math.max(0, messages - gone.size);
  p.vanished += gone.size;
  events.sent?.(p.box, { messages, bytes });
  if (!confirmable) return;
  events.confirmed?.(p.box, arrived);
  if (arrivedFiles.length > 0) events.confirmedFiles?.(p.box, arrivedFiles);
}

function relayWith(
  source: Remote,
  dest: Remote,
  events: SyncEvents,
  options: SyncOptions,
  together: <T>(burst: () => T) => T,
) {
  const common = {
    live: true,
    ...(options.compress ? { compress: options.compress } : {}),
  };
  let streams = 0;
  const trees = options.tree ?? relayTree;
  return {
    streams: () => streams,
    /** One mailbox's members, relative to its own directories. */
    async alone(p: BoxPass, members: string[], extract?: 'direct'): Promise<void> {
      streams += 1;
      const mbox = p.box.mbox;
      const tree: TreeStream = mbox === undefined ? trees : (from, to, job) => mboxTree(from, to, mbox, job);
      const r = await tree(source, dest, {
        ...common,
        sourceBase: p.box.sourceDir,
        destBase: p.box.destDir,
        members,
        owner: p.box.owner,
        ...(extract ? { extract } : {}),
        onBytes: (n) => {
          p.streamBytes += n;
          events.bytes?.(p.box, n);
        },
      });
      together(() => arrivedIn(p, members, r.vanishedNames, events));
    },
    /** Many mailboxes in one stream, each moved into its own directory on the destination. */
    async many(ps: readonly BoxPass[]): Promise<void> {
      const first = ps[0];
      const combined =
        options.bases &&
        combinedTrees(
          options.bases,
          ps.map((p) => ({
            sourceBase: p.box.sourceDir,
            destBase: p.box.destDir,
            members: p.delta.copy,
            fresh: p.fresh,
          })),
        );
      if (!combined || !first) {
        // Places that overlap (user directories inside others): each streams alone.
        for (const p of ps) await this.alone(p, p.delta.copy);
        return;
      }
      const rels = combined.targets?.map((t) => t.archived) ?? [];
      // The stream's bytes are the mailboxes' in order: each is credited until its share is
      // full, the last also with the stream's end.
      const shares = ps.map((p) => tarMembersSize(p.delta.copy, contentIn(p.listed)));
      let at = 0;
      streams += 1;
      const r = await trees(source, dest, {
        ...common,
        ...combined,
        owner: first.box.owner,
        onBytes: (n) => {
          // A chunk that ends one mailbox's share begins the next one's.
          for (let left = n; left > 0;) {
            const p = ps[at];
            if (!p) return;
            const room = at === ps.length - 1 ? left : (shares[at] ?? 0) - p.streamBytes;
            if (room <= 0) {
              at += 1;
              continue;
            }
            const k = Math.min(left, room);
            p.streamBytes += k;
            events.bytes?.(p.box, k);
            left -= k;
          }
        },
      });
      together(() =>
        ps.forEach((p, i) => {
          const prefix = `${rels[i] ?? ''}/`;
          const gone = r.vanishedNames.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
          arrivedIn(p, p.delta.copy, gone, events);
        }),
      );
    },
  };
}

/**
 * Renames and deletions: one script for a remote sh, each name quoted byte for byte (a name may
 * hold any byte but NUL), run only if it arrived whole (whole-script.ts): a list cut on its way
 * would end in a path cut short. `mv -T` and `rm -f` act on the last component itself, and a
 * rename's target directory was checked by planDelta.
 */
type DestCommand = (paths: readonly string[]) => Buffer[];
const mv = Buffer.from('mv -f -T -- ');
const space = Buffer.from(' ');
const orFail = Buffer.from(' || st=1\n');

export const RENAME: DestCommand = (paths) => {
  const lines: Buffer[] = [];
  for (let i = 0; i + 1 < paths.length; i += 2)
    lines.push(mv, quotedBytes(paths[i]!), space, quotedBytes(paths[i + 1]!), orFail);
  return lines;
};

/** `rm -f` of at most RM_ARGS bytes of names at a time: far below any system's ARG_MAX. */
const RM_ARGS = 64 * 1024;
export const DELETE: DestCommand = (paths) => {
  const lines: Buffer[] = [];
  let size = 0;
  for (const p of paths) {
    if (size === 0 || size > RM_ARGS) {
      if (size > 0) lines.push(orFail);
      lines.push(Buffer.from('rm -f --'));
      size = 1;
    }
    const word = quotedBytes(p);
    lines.push(space, word);
    size += word.length + 1;
  }
  if (size > 0) lines.push(orFail);
  return lines;
};

/** The script for `sh -s`: it fails when a command did, after trying every one. */
export function destScript(command: DestCommand, paths: readonly string[], fence?: Fence): Buffer {
  return wholeScript(
    Buffer.concat([
      Buffer.from(`${fence ? `${fenceCheck(fence)}\n` : ''}st=0\n`),
      ...command(paths),
      Buffer.from('exit $st'),
    ]),
  );
}

/** Paths are absolute (the user directories' own, then bytes below them). */
async function inDest(
  dest: Remote,
  command: DestCommand,
  paths: readonly string[],
  what: string,
  fence: Fence | undefined,
): Promise<void> {
  try {
    await streamRecords(dest, ['sh', '-s'], what, () => {}, { stdin: destScript(command, paths, fence) });
  } catch (err) {
    throw fencedError(err, dest.label, fence) ?? err;
  }
}
