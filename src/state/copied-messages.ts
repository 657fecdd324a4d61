/**
 * The ledger of messages vmigrate copied to a destination: each one as vmigrate last wrote it
 * there (its path and size), so that a later sync can tell a message a user changed on the
 * destination (it wins) from one still as vmigrate left it (the source's changes apply), and so
 * that `--delete` removes only what vmigrate brought and nobody touched since. Kept per source,
 * destination, domain and mailbox, independent of runs (pruning runs never forgets it). Names
 * are byte strings (see maildir/byte-names.ts), kept as BLOBs.
 */
import type { StateStore } from './store.js';

export interface LedgerPlace {
  source: string;
  destination: string;
  domain: string;
  mailbox: string;
}

export interface MessageRef {
  folder: string;
  unique: string;
}

/** What vmigrate wrote for one message: undefined path for rows of an older vmigrate. */
export interface WrittenMessage {
  path: string | undefined;
  size: number | undefined;
  /** Known to have arrived whole; false while it was only about to be sent. */
  confirmed: boolean;
}

/** A Maildir name (a byte string) as the bytes the store keeps. */
function blob(name: string): Buffer {
  return Buffer.from(name, 'latin1');
}

const WHERE = 'source = ? AND destination = ? AND domain = ? AND mailbox = ?';
const at = (w: LedgerPlace) => [w.source, w.destination, w.domain, w.mailbox] as const;

export class CopiedMessages {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  private each<T extends MessageRef>(sql: string, messages: readonly T[], args: (m: T) => unknown[]): void {
    if (messages.length === 0) return;
    const st = this.db.prepare(sql);
    this.store.atomically(() => {
      for (const m of messages) st.run(...args(m));
    });
  }

  /**
   * Messages about to be sent (recorded before any byte moves: whatever of them reaches the
   * destination is vmigrate's), with the path and size they will have there.
   */
  record(where: LedgerPlace, messages: ReadonlyArray<MessageRef & { path: string; size: number }>): void {
    this.each(
      `INSERT INTO copied_messages (source, destination, domain, mailbox, folder, unique_name, path, size, confirmed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
       ON CONFLICT (source, destination, domain, mailbox, folder, unique_name)
       DO UPDATE SET path = excluded.path, size = excluded.size, confirmed = 0`,
      messages,
      (m) => [...at(where), blob(m.folder), blob(m.unique), blob(m.path), m.size],
    );
  }

  /** These arrived whole. */
  confirm(where: LedgerPlace, messages: readonly MessageRef[]): void {
    this.each(
      `UPDATE copied_messages SET confirmed = 1 WHERE ${WHERE} AND folder = ? AND unique_name = ?`,
      messages,
      (m) => [...at(where), blob(m.folder), blob(m.unique)],
    );
  }

  /** vmigrate renamed these on the destination (a flag change of the source applied), or found them agreeing. */
  moved(where: LedgerPlace, messages: ReadonlyArray<MessageRef & { path: string }>): void {
    this.each(
      `UPDATE copied_messages SET path = ?, confirmed = 1 WHERE ${WHERE} AND folder = ? AND unique_name = ?`,
      messages,
      (m) => [blob(m.path), ...at(where), blob(m.folder), blob(m.unique)],
    );
  }

  /** Each message vmigrate wrote to this mailbox, by identity (maildir/delta.ts messageIdentity). */
  written(where: LedgerPlace): Map<string, WrittenMessage> {
    const rows = this.db
      .prepare(`SELECT folder, unique_name, path, size, confirmed FROM copied_messages WHERE ${WHERE}`)
      .all(...at(where)) as Array<{
      folder: Buffer;
      unique_name: Buffer;
      path: Buffer | null;
      size: number | null;
      confirmed: number;
    }>;
    return new Map(
      rows.map((r) => [
        `${r.folder.toString('latin1')}\0${r.unique_name.toString('latin1')}`,
        {
          path: r.path === null ? undefined : r.path.toString('latin1'),
          size: r.size ?? undefined,
          confirmed: r.confirmed === 1,
        },
      ]),
    );
  }

  forget(where: LedgerPlace, messages: readonly MessageRef[]): void {
    this.each(
      `DELETE FROM copied_messages WHERE ${WHERE} AND folder = ? AND unique_name = ?`,
      messages,
      (m) => [...at(where), blob(m.folder), blob(m.unique)],
    );
  }
  /**
   * Forgets what vmigrate wrote to these mailboxes of a domain (all of them: undefined), for
   * mailboxes the destination no longer has: their ledger described a directory that is gone.
   */
  forgetMailboxes(where: Omit<LedgerPlace, 'mailbox'>, mailboxes?: readonly string[]): void {
    forgetMailboxRows(this.store, 'copied_messages', where, mailboxes);
  }
}

/** Deletes a ledger table's rows of these mailboxes of a domain (every one: undefined). */
export function forgetMailboxRows(
  store: StateStore,
  table: 'copied_messages' | 'copied_files',
  where: Omit<LedgerPlace, 'mailbox'>,
  mailboxes: readonly string[] | undefined,
): void {
  const place = [where.source, where.destination, where.domain] as const;
  const domainWide = 'source = ? AND destination = ? AND domain = ?';
  if (mailboxes === undefined) {
    store.db.prepare(`DELETE FROM ${table} WHERE ${domainWide}`).run(...place);
    return;
  }
  const st = store.db.prepare(`DELETE FROM ${table} WHERE ${domainWide} AND mailbox = ?`);
  store.db.transaction(() => {
    for (const m of mailboxes) st.run(...place, m);
  })();
}
