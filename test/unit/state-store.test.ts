import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/state/migrations.js';
import { CopiedMessages } from '../../src/state/copied-messages.js';
import { DirectGrants } from '../../src/state/direct-grants.js';
import { STORE_FILE, StateStore } from '../../src/state/store.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'store-'));

describe('StateStore', () => {
  it('creates a WAL store readable by its owner only, at the current schema', () => {
    const dir = scratch();
    const s = StateStore.open(dir);
    expect(s.schemaVersion).toBe(MIGRATIONS.length);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    s.db
      .prepare(
        "INSERT INTO runs (command, args, source, destination, started_at) VALUES ('move', '[]', 'old', 'new', 'now')",
      )
      .run();
    for (const f of [STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`])
      expect((statSync(join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
    s.close();
  });

  it('commits to the disk (synchronous FULL), also when reopened in WAL mode', () => {
    const dir = scratch();
    StateStore.open(dir).close();
    // better-sqlite3's SQLite makes NORMAL the default of a database opened in WAL mode.
    const raw = new Database(join(dir, STORE_FILE));
    expect(raw.pragma('synchronous', { simple: true })).toBe(1);
    raw.close();
    const again = StateStore.open(dir);
    expect(again.db.pragma('synchronous', { simple: true })).toBe(2);
    again.close();
  });

  it('keeps data across reopening, and migrates an older store forward', () => {
    const dir = scratch();
    // A store as a schema-0 vmigrate would leave it: empty, user_version 0.
    new Database(join(dir, STORE_FILE)).close();
    const s = StateStore.open(dir);
    s.db
      .prepare(
        "INSERT INTO runs (command, args, source, destination, started_at) VALUES ('move', '[]', 'old', 'new', 'now')",
      )
      .run();
    s.close();
    const again = StateStore.open(dir);
    expect(again.db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 1 });
    again.close();
  });

  it('brings the ledger of copied messages of a schema-2 store to bytes, so that its names still match', () => {
    const dir = scratch();
    const db = new Database(join(dir, STORE_FILE));
    for (const m of MIGRATIONS.slice(0, 2)) db.exec(m);
    db.pragma('user_version = 2');
    db.prepare(
      "INSERT INTO copied_messages VALUES ('old', 'new', 'a.example', 'u@a.example', 'Maildir/.März', '1.a')",
    ).run();
    db.close();
    const s = StateStore.open(dir);
    const copied = new CopiedMessages(s);
    const where = { source: 'old', destination: 'new', domain: 'a.example', mailbox: 'u@a.example' };
    // The name as a listing now carries it: the UTF-8 bytes, one per character.
    expect([...copied.written(where).keys()]).toEqual([
      `${Buffer.from('Maildir/.März').toString('latin1')}\x001.a`,
    ]);
    s.close();
  });

  it('refuses a store from a newer vmigrate instead of guessing', () => {
    const dir = scratch();
    const db = new Database(join(dir, STORE_FILE));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => StateStore.open(dir)).toThrow(/newer than this vmigrate knows/);
  });
});

describe('DirectGrants', () => {
  it('keeps a grant open from before its line is written until it is removed', () => {
    const s = StateStore.open(scratch());
    s.db
      .prepare(
        "INSERT INTO runs (command, args, source, destination, started_at) VALUES ('move', '[]', 'old', 'new', 'now')",
      )
      .run();
    const grants = new DirectGrants(s);
    const g = {
      runId: 1,
      destination: 'new',
      login: 'root',
      marker: 'vmigrate-direct 1 ex.com',
      expiresAt: '2026-12-02T03:00:00.000Z',
    };
    grants.record(g);
    expect(grants.open()).toEqual([{ ...g, file: undefined }]);
    grants.placed(g, '/root/.ssh/authorized_keys');
    expect(grants.open('new')).toEqual([{ ...g, file: '/root/.ssh/authorized_keys' }]);
    expect(grants.open('other')).toEqual([]);
    grants.removed(g);
    expect(grants.open()).toEqual([]);
    s.close();
  });
});
