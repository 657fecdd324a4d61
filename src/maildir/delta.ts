/**
 * The delta between two listings of one mailbox. Pure.
 *
 * A message is known by its folder and its maildir unique name (the part before `:`), so a
 * flag change (`:2,S` -> `:2,RS`) or a move from `new/` to `cur/` on the source is a rename on
 * the destination, never a second copy. Messages only the destination has (delivered there
 * during a live move) are left alone.
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
  const delta: Delta = { copy: [], renames: [], bytes: 0, messages: 0, files: 0, deletes: [] };
  const dirs: string[] = [];
  for (const e of source) {
    if (e.type === 'd') {
      if (destByPath.get(e.path)?.type !== 'd') dirs.push(e.path);
      continue;
    }
    if (e.type !== 'f' || REBUILT.has(e.path)) continue;
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
  return delta;
}
