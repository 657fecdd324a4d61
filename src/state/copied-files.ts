/**
 * The ledger of the other files vmigrate wrote in a Maildir (IMAP and POP state: uid lists,
 * subscriptions, keywords), each as it wrote it (size, mtime), so that a sync tells a file the
 * destination's own server has changed since (it wins) from one still as vmigrate left it.
 * Recorded before the bytes move, confirmed once their stream ended, like copied messages.
 */
import { forgetMailboxRows, type LedgerPlace } from './copied-messages.js';
import type { StateStore } from './store.js';

export interface WrittenFile {
  size: number;
  mtime: number;
  /** Known to have arrived whole; false while it was only about to be sent. */
  confirmed: boolean;
}

const WHERE = 'source = ? AND destination = ? AND domain = ? AND mailbox = ?';
const at = (w: LedgerPlace) => [w.source, w.destination, w.domain, w.mailbox] as const;
const blob = (path: string) => Buffer.from(path, 'latin1');

export class CopiedFiles {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  record(where: LedgerPlace, files: ReadonlyArray<{ path: string; size: number; mtime: number }>): void {
    if (files.length === 0) return;
    const st = this.db.prepare(
      `INSERT INTO copied_files (source, destination, domain, mailbox, path, size, mtime, confirmed)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0)
       ON CONFLICT (source, destination, domain, mailbox, path)
       DO UPDATE SET size = excluded.size, mtime = excluded.mtime, confirmed = 0`,
    );
    this.store.atomically(() => {
      for (const f of files) st.run(...at(where), blob(f.path), f.size, Math.round(f.mtime));
    });
  }

  confirm(where: LedgerPlace, paths: readonly string[]): void {
    if (paths.length === 0) return;
    const st = this.db.prepare(`UPDATE copied_files SET confirmed = 1 WHERE ${WHERE} AND path = ?`);
    this.store.atomically(() => {
      for (const p of paths) st.run(...at(where), blob(p));
    });
  }

  /** Each file vmigrate wrote in this mailbox, by its path under the user directory. */
  written(where: LedgerPlace): Map<string, WrittenFile> {
    const rows = this.db
      .prepare(`SELECT path, size, mtime, confirmed FROM copied_files WHERE ${WHERE}`)
      .all(...at(where)) as Array<{ path: Buffer; size: number; mtime: number; confirmed: number }>;
    return new Map(
      rows.map((r) => [
        r.path.toString('latin1'),
        { size: r.size, mtime: r.mtime, confirmed: r.confirmed === 1 },
      ]),
    );
  }

  /** As CopiedMessages.forgetMailboxes, for the other files. */
  forgetMailboxes(where: Omit<LedgerPlace, 'mailbox'>, mailboxes?: readonly string[]): void {
    forgetMailboxRows(this.store, 'copied_files', where, mailboxes);
  }
}
