/**
 * The delta between two listings of one mailbox. Pure.
 *
 * A message is known by its folder and its maildir unique name (the part before `:`), so a
 * flag change (`:2,S` -> `:2,RS`) or a move from `new/` to `cur/` on the source is a rename on
 * the destination, never a second copy. Messages only the destination has (delivered there
 * during a live move) are left alone.
 *
 * Once users work on the destination, the destination wins. The ledger says how vmigrate last
 * wrote each message there (`written`); a destination message that is no longer so was changed
 * by a user (flags, another folder, deleted), and a sync neither renames, sends again nor
 * deletes it, whatever the source did. The source's changes apply only to messages still as
 * vmigrate wrote them; a change on both sides keeps the destination's and is reported.
 *
 * Nothing is planned through a symbolic link or over an entry of another kind on the
 * destination: such a path is a conflict, reported by name, and the rest is copied. What the
 * source holds that is neither a file nor a directory (links, FIFOs, devices) is never copied,
 * and reported by name too.
 */
import type { MaildirEntry } from './listing.js';

/** vpopmail rebuilds this one on the destination from its own quota and count. */
const REBUILT = new Set(['Maildir/maildirsize']);

export interface MessageKey {
  folder: string;
  unique: string;
  sub: 'cur' | 'new';
  name: string;
}

const TOP = 'Maildir';

/**
 * `Maildir[/.<folder>]/{cur,new}/<name>`. By hand, not by a regular expression: it runs several
 * times per message of every listing, and a match's array and captures were a tenth of what a
 * sync of small messages allocated.
 */
export function messageKey(path: string): MessageKey | undefined {
  const nameAt = path.lastIndexOf('/') + 1;
  const subAt = path.lastIndexOf('/', nameAt - 2) + 1;
  if (nameAt === path.length || subAt < TOP.length + 1) return undefined;
  const sub = path.slice(subAt, nameAt - 1);
  if (sub !== 'cur' && sub !== 'new') return undefined;
  const folder = path.slice(0, subAt - 1);
  if (!folder.startsWith(TOP)) return undefined;
  // Maildir itself, or Maildir/.<something without a slash>
  if (
    folder.length > TOP.length &&
    (!folder.startsWith('/.', TOP.length) ||
      folder.length === TOP.length + 2 ||
      folder.includes('/', TOP.length + 1))
  )
    return undefined;
  const name = path.slice(nameAt);
  const colon = name.indexOf(':');
  return { folder, unique: colon < 0 ? name : name.slice(0, colon), sub, name };
}

/** One message's identity across both sides, whatever its flags or new/cur place. */
export function messageIdentity(k: MessageKey): string {
  return `${k.folder}\0${k.unique}`;
}

/** How vmigrate last wrote a message on the destination (the ledger's record of it). */
export interface WrittenMessage {
  /** Its path under the user directory; undefined in records of an older vmigrate. */
  path: string | undefined;
  size: number | undefined;
  /** Known to have arrived whole; false while it was only about to be sent. */
  confirmed: boolean;
}

/** How vmigrate last wrote another file of a Maildir (IMAP or POP state) on the destination. */
export interface WrittenFile {
  size: number;
  mtime: number;
  confirmed: boolean;
}

export interface DeltaOptions {
  /** The ledger of this mailbox, by identity (messageIdentity). */
  written?: ReadonlyMap<string, WrittenMessage> | undefined;
  /** The ledger of its other files, by path. */
  writtenFiles?: ReadonlyMap<string, WrittenFile> | undefined;
  /** --delete: remove what vmigrate wrote and the source no longer has, unless a user changed it since. */
  deleteCopied?: boolean | undefined;
}

export interface Delta {
  /** Paths to send, parents before children (directories as entries, not recursively). */
  copy: string[];
  /** [destination's current path, new path]: flag changes and new -> cur, no content sent. */
  renames: Array<[string, string]>;
  /** Message content bytes and count in `copy`. */
  bytes: number;
  messages: number;
  /** Other files (IMAP state, folder markers) in `copy`. */
  files: number;
  /** Destination paths of messages gone from the source that vmigrate had copied (--delete). */
  deletes: string[];
  /** Source entries that are neither files nor directories: never copied. */
  skipped: Array<{ path: string; type: string }>;
  /** Source paths that cannot be written because of what the destination has on their way. */
  conflicts: Array<{ path: string; why: string }>;
  /** Messages changed on both sides: the destination's state is kept (the path shown is its). */
  kept: Array<{ path: string; why: string }>;
  /** Messages a user deleted or moved away on the destination: not sent again. */
  leftOut: number;
  /** Destination paths of messages recorded as about to be sent, found arrived whole. */
  arrived: string[];
}

const KIND: Record<string, string> = {
  f: 'a file',
  d: 'a directory',
  l: 'a symbolic link',
  p: 'a FIFO',
  s: 'a socket',
  c: 'a character device',
  b: 'a block device',
};

export function kindOf(type: string): string {
  return KIND[type] ?? `a file of type ${type}`;
}

/**
 * Why `path` (of source type `type`) cannot be written on the destination, if it cannot: an
 * ancestor that is not a directory there (a link is never followed), or the path itself being
 * a directory where the source has something else, or something else where the source has one.
 */
function conflictOf(
  path: string,
  type: string,
  destByPath: ReadonlyMap<string, MaildirEntry>,
): string | undefined {
  for (let at = path.indexOf('/', 'Maildir/'.length); at >= 0; at = path.indexOf('/', at + 1)) {
    const have = destByPath.get(path.slice(0, at));
    if (have && have.type !== 'd')
      return `${path.slice(0, at)} is ${kindOf(have.type)} on the destination, not a directory`;
  }
  const have = destByPath.get(path);
  if (have && (have.type === 'd') !== (type === 'd'))
    return `it is ${kindOf(type)} on the source and ${kindOf(have.type)} on the destination`;
  return undefined;
}

function byKey(entries: readonly MaildirEntry[]): Map<string, MaildirEntry> {
  const map = new Map<string, MaildirEntry>();
  for (const e of entries) {
    const k = messageKey(e.path);
    if (e.type === 'f' && k) map.set(messageIdentity(k), e);
  }
  return map;
}

type Standing =
  /** Not in the ledger, or in an older vmigrate's record: the source's state wins, as it always did. */
  | 'unrecorded'
  /** As vmigrate wrote it (`arrived`: an unconfirmed record found whole). */
  | 'ours'
  | 'arrived'
  /** Changed by a user since vmigrate wrote it. */
  | 'changed'
  /** Gone from the destination after vmigrate wrote it: a user deleted or moved it. */
  | 'gone'
  /** Not on the destination, and not known to have arrived: to be sent. */
  | 'absent';

function standing(w: WrittenMessage | undefined, d: MaildirEntry | undefined): Standing {
  if (w?.path === undefined) return d ? 'unrecorded' : 'absent';
  if (!d) return w.confirmed ? 'gone' : 'absent';
  if (d.path === w.path && (w.size === undefined || d.size === w.size))
    return w.confirmed ? 'ours' : 'arrived';
  return 'changed';
}

const sameAs = (e: MaildirEntry, w: WrittenMessage) =>
  e.path === w.path && (w.size === undefined || e.size === w.size);

export function planDelta(
  source: readonly MaildirEntry[],
  dest: readonly MaildirEntry[],
  options: DeltaOptions = {},
): Delta {
  const written = options.written ?? new Map<string, WrittenMessage>();
  const destByPath = new Map(dest.map((e) => [e.path, e]));
  const destMessages = byKey(dest);
  // Ledger records by unique name: a source message moved to another folder is found by it.
  const writtenByUnique = new Map<string, Array<[string, WrittenMessage]>>();
  for (const [identity, w] of written) {
    const unique = identity.slice(identity.indexOf('\0') + 1);
    const same = writtenByUnique.get(unique);
    if (same) same.push([identity, w]);
    else writtenByUnique.set(unique, [[identity, w]]);
  }
  const delta: Delta = {
    copy: [],
    renames: [],
    bytes: 0,
    messages: 0,
    files: 0,
    deletes: [],
    skipped: [],
    conflicts: [],
    kept: [],
    leftOut: 0,
    arrived: [],
  };
  const dirs: string[] = [];
  const blocked = (e: MaildirEntry) => {
    const why = conflictOf(e.path, e.type, destByPath);
    if (why) delta.conflicts.push({ path: e.path, why });
    return why !== undefined;
  };
  const send = (e: MaildirEntry) => {
    delta.copy.push(e.path);
    delta.bytes += e.size;
    delta.messages += 1;
  };
  /** A message the source moved here from a folder where a user changed or removed it: left out. */
  const movedFromChanged = (k: MessageKey): boolean => {
    for (const [identity, w] of writtenByUnique.get(k.unique) ?? []) {
      if (identity === messageIdentity(k) || w.path === undefined || !w.confirmed) continue;
      const there = destMessages.get(identity);
      if (!there || !sameAs(there, w)) return true;
    }
    return false;
  };
  for (const e of source) {
    if (e.type === 'd') {
      if (destByPath.get(e.path)?.type !== 'd' && !blocked(e)) dirs.push(e.path);
      continue;
    }
    if (e.type !== 'f') {
      delta.skipped.push({ path: e.path, type: e.type });
      continue;
    }
    if (REBUILT.has(e.path) || blocked(e)) continue;
    const k = messageKey(e.path);
    if (k) {
      const identity = messageIdentity(k);
      const w = written.get(identity);
      const have = destMessages.get(identity);
      // A message vmigrate wrote to another folder and a user moved here is the user's.
      const movedHereByUser =
        w === undefined &&
        have !== undefined &&
        (writtenByUnique.get(k.unique) ?? []).some(([, other]) => other.path !== undefined);
      const st = movedHereByUser ? 'changed' : standing(w, have);
      if (st === 'arrived') delta.arrived.push(have!.path);
      switch (st) {
        case 'arrived':
        case 'ours':
        case 'unrecorded':
          if (have!.path !== e.path) delta.renames.push([have!.path, e.path]);
          if (have!.size !== e.size) send(e);
          break;
        case 'changed':
          // Changed by a user: kept as it is, even where it now agrees with the source (the
          // ledger keeps what vmigrate wrote, so a later change of the source does not apply).
          if ((have!.path !== e.path || have!.size !== e.size) && (!w || !sameAs(e, w)))
            delta.kept.push({
              path: have!.path,
              why: 'changed on both sides: the destination’s state is kept',
            });
          break;
        case 'gone':
          delta.leftOut += 1;
          if (!sameAs(e, w!))
            delta.kept.push({
              path: e.path,
              why: 'changed on the source, deleted or moved on the destination: not sent again',
            });
          break;
        case 'absent':
          if (movedFromChanged(k)) {
            delta.leftOut += 1;
            delta.kept.push({
              path: e.path,
              why: 'moved on the source, changed or removed on the destination: not sent again',
            });
          } else send(e);
          break;
      }
      continue;
    }
    // IMAP and POP state: once the destination's own server has changed a file (or removed
    // it), it is the destination's; the source's copy is sent only over what vmigrate wrote.
    const have = destByPath.get(e.path);
    const wf = options.writtenFiles?.get(e.path);
    const asWritten = (x: MaildirEntry) => wf !== undefined && x.size === wf.size && x.mtime === wf.mtime;
    if (have && have.size === e.size && have.mtime === e.mtime) continue;
    if (wf?.confirmed && (!have || !asWritten(have))) {
      if (!asWritten(e))
        delta.kept.push({
          path: have ? have.path : e.path,
          why: have
            ? 'changed on both sides: the destination server’s file is kept'
            : 'changed on the source, removed on the destination: not sent again',
        });
      continue;
    }
    delta.copy.push(e.path);
    delta.files += 1;
  }
  if (options.deleteCopied && written.size > 0) {
    const sourceMessages = byKey(source);
    for (const [identity, e] of destMessages) {
      const w = written.get(identity);
      if (sourceMessages.has(identity) || !w) continue;
      if (w.path === undefined || sameAs(e, w)) delta.deletes.push(e.path);
      else delta.kept.push({ path: e.path, why: 'deleted on the source, changed on the destination: kept' });
    }
    delta.deletes.sort();
  }
  // Parents sort before their children; tar then creates each directory before its files.
  delta.copy = [...dirs.sort(), ...delta.copy.sort()];
  delta.skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
  delta.kept.sort((a, b) => (a.path < b.path ? -1 : 1));
  return delta;
}
