/**
 * The ledger of messages vmigrate copied to a destination: what `--delete` may remove there
 * once the source deleted it, and nothing else. Kept per source, destination, domain and
 * mailbox, independent of runs (pruning runs never forgets it). Names are byte strings (see
 * maildir/byte-names.ts), kept as BLOBs.
 */
import type { StateStore } from './store.js';

export interface LedgerPlace {
  source: string;
  destination: string;
  domain: string;
  mailbox: string;
}

/** A Maildir name (a byte string) as the bytes the store keeps. */
function blob(name: string): Buffer {
  return Buffer.from(name, 'latin1');
}

export class CopiedMessages {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  /** Messages now on the destination because vmigrate put them there. */
  record(where: LedgerPlace, messages: ReadonlyArray<{ folder: string; unique: string }>): void {
    const add = this.db.prepare(
      `INSERT OR IGNORE INTO copied_messages (source, destination, domain, mailbox, folder, unique_name)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const m of messages)
        add.run(where.source, where.destination, where.domain, where.mailbox, blob(m.folder), blob(m.unique));
    })();
  }

  /** The identities (maildir/delta.ts messageIdentity) of what vmigrate copied to this mailbox. */
  identities(where: LedgerPlace): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT folder, unique_name FROM copied_messages
         WHERE source = ? AND destination = ? AND domain = ? AND mailbox = ?`,
      )
      .all(where.source, where.destination, where.domain, where.mailbox) as Array<{
      folder: Buffer;
      unique_name: Buffer;
    }>;
    return new Set(rows.map((r) => `${r.folder.toString('latin1')}\0${r.unique_name.toString('latin1')}`));
  }

  forget(where: LedgerPlace, messages: ReadonlyArray<{ folder: string; unique: string }>): void {
    const del = this.db.prepare(
      `DELETE FROM copied_messages WHERE source = ? AND destination = ? AND domain = ? AND mailbox = ?
       AND folder = ? AND unique_name = ?`,
    );
    this.db.transaction(() => {
      for (const m of messages)
        del.run(where.source, where.destination, where.domain, where.mailbox, blob(m.folder), blob(m.unique));
    })();
  }
}
