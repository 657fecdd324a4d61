/**
 * The embedded state store: one SQLite file (WAL) in the state directory, mode 0600, its
 * schema versioned by `PRAGMA user_version` and brought forward by MIGRATIONS on open.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { VmigrateError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';
import { storeFailure } from './store-failure.js';

export const STORE_FILE = 'vmigrate.sqlite';

export class StateStore {
  readonly db: Database.Database;

  private constructor(
    readonly file: string,
    db: Database.Database,
  ) {
    this.db = db;
  }

  /** Opens (creating if needed) the store in `dir`, migrated to the current schema. */
  static open(dir: string): StateStore {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, STORE_FILE);
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      return StateStore.prepared(file, db);
    } catch (error) {
      db?.close();
      throw storeFailure(error, file) ?? error;
    }
  }

  /** The store on an open database: its settings, statement cache and schema. */
  private static prepared(file: string, db: Database.Database): StateStore {
    db.pragma('journal_mode = WAL');
    // Every commit reaches the disk before the next step acts on it: a cutover journals what it
    // is about to change on a server, and a laptop's power may go. better-sqlite3 builds SQLite
    // with WAL_SYNCHRONOUS=1 (NORMAL: no fsync per commit) for a store opened in WAL mode, so
    // every run but the store's first would have journaled to the page cache only.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // better-sqlite3 builds SQLite with a 16 MB page cache; a ledger of tens of thousands of
    // messages filled it, a sixth of the controller's peak memory. SQLite's own default (2 MB)
    // made no measurable difference to the time of a move.
    db.pragma('cache_size = -2000');
    // SQLite creates -wal and -shm with the database file's own mode; these chmods cover a
    // store first made by something with a wider umask.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    // Each statement is prepared once per text: the journal and the ledger write per mailbox
    // and per stream, and preparing every time cost more than the writes themselves (0.2 s of
    // CPU in a sync of 1,000 mailboxes). Nothing here changes a statement's mode (pluck, raw).
    const prepare = db.prepare.bind(db);
    const prepared = new Map<string, Database.Statement>();
    db.prepare = ((sql: string) => {
      let st = prepared.get(sql);
      if (!st) prepared.set(sql, (st = prepare(sql)));
      return st;
    }) as typeof db.prepare;
    const store = new StateStore(file, db);
    store.migrate();
    return store;
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const from = this.schemaVersion;
    if (from > MIGRATIONS.length)
      throw new VmigrateError(
        `the state store ${this.file} has schema ${from}, newer than this vmigrate knows (${MIGRATIONS.length})`,
        { hint: 'upgrade vmigrate, or point --state at another directory' },
      );
    const apply = this.db.transaction(() => {
      for (let v = from; v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v] ?? '');
        this.db.pragma(`user_version = ${v + 1}`);
      }
    });
    apply();
  }

  /** This store's identity, made once: a destination lock names the store that holds it. */
  get id(): string {
    this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('store-id', ?)").run(randomUUID());
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'store-id'").get() as { value: string })
      .value;
  }

  /**
   * Runs `writes` as one transaction, or as part of the one already open: the ledger writes
   * each mailbox's records inside the transfer's bursts, and a savepoint for each of those
   * calls (8,000 in a move of 2,000 mailboxes) cost more CPU than its rows.
   */
  atomically<T>(writes: () => T): T {
    return this.db.inTransaction ? writes() : this.db.transaction(writes)();
  }

  close(): void {
    this.db.close();
  }
}
