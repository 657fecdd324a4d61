/**
 * What an mbox becomes as a Maildir: each message a file of its own in `Maildir/new` (never
 * read) or `Maildir/cur` (with its flags), under a name made from its date and its content.
 * The name is the same each time the mbox is read, so a second pass, a resume and verification
 * find the messages an earlier pass wrote (the delta, the ledger and verification of Maildirs
 * apply unchanged), and a message appended or deleted meanwhile moves no other's name. Pure.
 */
import { createHash } from 'node:crypto';
import type { MaildirEntry } from './listing.js';
import type { MboxMessage } from './mbox.js';

/** The directories a converted Maildir holds (the mbox has no folders). */
export const MBOX_MAILDIR_DIRS = ['Maildir/', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp'] as const;

/**
 * Names the messages of one mbox in order: `<time>.H<hash>[_<n>].mbox,S=<size>` (n counts
 * identical messages of the same second), `:2,<flags>` in cur/. `fallbackTime` dates a
 * message neither its From line nor its Date header dates (the mbox's own mtime).
 */
export class MboxNames {
  private readonly seen = new Map<string, number>();

  constructor(private readonly fallbackTime: number) {}

  entryOf(m: MboxMessage): MaildirEntry {
    const time = m.time ?? this.fallbackTime;
    const hash = createHash('sha1').update(m.data).digest('hex').slice(0, 16);
    const key = `${time}.${hash}`;
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    const unique = `${time}.H${hash}${n > 0 ? `_${n}` : ''}.mbox,S=${m.data.length}`;
    return {
      path: m.seen ? `Maildir/cur/${unique}:2,${m.flags}` : `Maildir/new/${unique}`,
      type: 'f',
      size: m.data.length,
      mtime: time,
      mode: '0600',
    };
  }
}

/** The directory entries of the converted Maildir, as a listing holds them. */
export function mboxMaildirDirs(mtime: number): MaildirEntry[] {
  return MBOX_MAILDIR_DIRS.map((path) => ({ path, type: 'd', size: 0, mtime, mode: '0700' }));
}
