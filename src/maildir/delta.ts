/**
 * The delta between two listings of one mailbox. Pure.
 *
 * A message is known by its folder and its maildir unique name (the part before `:`), so a
 * flag change (`:2,S` -> `:2,RS`) or a move from `new/` to `cur/` on the source is a rename on
 * the destination, never a second copy. Messages only the destination has (delivered there
 * during a live move) are left alone.
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

export function messageKey(path: string): MessageKey | undefined {
  const m = /^(Maildir(?:\/\.[^/]+)?)\/(cur|new)\/([^/]+)$/.exec(path);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const name = m[3];
  return { folder: m[1], unique: name.split(':')[0] ?? name, sub: m[2] as 'cur' | 'new', name };
}

/** One message's identity across both sides, whatever its flags or new/cur place. */
export function messageIdentity(k: MessageKey): string {
  return `${k.folder}\0${k.unique}`;
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

/**
 * `deletable`: identities (messageIdentity) of the messages vmigrate copied to this mailbox.
 * Only those may be deleted when the source no longer has them; a message delivered on the
 * destination itself is never in it.
 */
export function planDelta(
  source: readonly MaildirEntry[],
  dest: readonly MaildirEntry[],
  deletable?: ReadonlySet<string>,
): Delta {
  const destByPath = new Map(dest.map((e) => [e.path, e]));
  const destMessages = byKey(dest);
  const delta: Delta = {
    copy: [],
    renames: [],
    bytes: 0,
    messages: 0,
    files: 0,
    deletes: [],
    skipped: [],
    conflicts: [],
  };
  const dirs: string[] = [];
  const blocked = (e: MaildirEntry) => {
    const why = conflictOf(e.path, e.type, destByPath);
    if (why) delta.conflicts.push({ path: e.path, why });
    return why !== undefined;
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
      const have = destMessages.get(messageIdentity(k));
      if (have && have.path !== e.path) delta.renames.push([have.path, e.path]);
      if (!have || have.size !== e.size) {
        delta.copy.push(e.path);
        delta.bytes += e.size;
        delta.messages += 1;
      }
      continue;
    }
    const have = destByPath.get(e.path);
    if (!have || have.size !== e.size || have.mtime !== e.mtime) {
      delta.copy.push(e.path);
      delta.files += 1;
    }
  }
  if (deletable && deletable.size > 0) {
    const sourceMessages = byKey(source);
    for (const [identity, e] of destMessages)
      if (!sourceMessages.has(identity) && deletable.has(identity)) delta.deletes.push(e.path);
    delta.deletes.sort();
  }
  // Parents sort before their children; tar then creates each directory before its files.
  delta.copy = [...dirs.sort(), ...delta.copy.sort()];
  delta.skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
  return delta;
}
