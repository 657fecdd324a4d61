import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectGrants } from '../../src/state/direct-grants.js';
import { recordsOf } from '../../src/state/records.js';
import type { MoveRequest } from '../../src/state/run-journal.js';
import { aMoveRequest } from '../helpers/builders.js';
import { StateStore } from '../../src/state/store.js';

const request = (domains: string[]): MoveRequest => aMoveRequest(domains);

function fresh() {
  const store = StateStore.open(mkdtempSync(join(tmpdir(), 'runs-')));
  const records = recordsOf(store);
  return { store, ...records };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
}

describe('the run records', () => {
  it('records a run with its request and every domain pending, and finds it again for the same request', () => {
    const { runs } = fresh();
    const run = runs.create('move', request(['a.example', 'b.example']));
    expect(run).toMatchObject({
      id: 1,
      status: 'running',
      source: 'old',
      destination: 'new',
      pid: process.pid,
    });
    expect(runs.domains(run.id).map((d) => [d.domain, d.phase])).toEqual([
      ['a.example', 'pending'],
      ['b.example', 'pending'],
    ]);
    expect(runs.findSame('move', request(['b.example', 'a.example']))?.id).toBe(run.id);
    expect(runs.findSame('move', request(['a.example']))).toBeUndefined();
    runs.finish(run.id, 'done');
    expect(runs.findSame('move', request(['a.example', 'b.example']))).toBeUndefined();
    expect(runs.latestUnfinished()).toBeUndefined();
  });

  it('shows a running run whose controller died as interrupted, and lets another process adopt it', () => {
    const { store, runs } = fresh();
    const run = runs.create('move', request(['a.example']));
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), run.id);
    expect(runs.get(run.id)?.status).toBe('interrupted');
    expect(runs.latestUnfinished()?.id).toBe(run.id);
    expect(runs.adopt(run.id)).toMatchObject({ status: 'running', pid: process.pid });
  });

  it('refuses to adopt a run whose controller is alive', () => {
    const { store, runs } = fresh();
    const run = runs.create('move', request(['a.example']));
    // Process 1 is always alive.
    store.db.prepare('UPDATE runs SET pid = 1 WHERE id = ?').run(run.id);
    expect(() => runs.adopt(run.id)).toThrow(/still being driven by process 1/);
  });

  it('counts attempts, keeps stage and mailbox progress, and knows which domains it began creating', () => {
    const { runs, claims } = fresh();
    const run = runs.create('move', request(['a.example']));
    runs.setPhase(run.id, 'a.example', 'preflight');
    runs.setPhase(run.id, 'a.example', 'failed', 'boom');
    runs.setPhase(run.id, 'a.example', 'preflight');
    expect(runs.domains(run.id)[0]).toMatchObject({ phase: 'preflight', attempts: 2, error: undefined });
    expect(claims.open('new', 'a.example')).toBe(false);
    claims.claim(run.id, 'a.example');
    expect(claims.open('new', 'a.example')).toBe(true);
    expect(claims.open('other', 'a.example')).toBe(false);
    claims.close('new', 'a.example');
    expect(claims.open('new', 'a.example')).toBe(false);
    runs.mailbox(run.id, 'a.example', 'u@a.example', 'done', { messages: 3, bytes: 30 });
    runs.mailbox(run.id, 'a.example', 'u@a.example', 'done', { messages: 1, bytes: 10 });
    expect(runs.mailboxes(run.id, 'a.example')).toEqual([
      { mailbox: 'u@a.example', status: 'done', messages: 4, bytes: 40, error: undefined },
    ]);
  });

  it('remembers each message it copied as it wrote it: pending, then confirmed, renamed, forgotten', () => {
    const { copied } = fresh();
    const where = { source: 'old', destination: 'new', domain: 'a.example', mailbox: 'u@a.example' };
    const one = { folder: 'Maildir', unique: '1.a.host', path: 'Maildir/new/1.a.host', size: 10 };
    const two = {
      folder: 'Maildir/.Sent',
      unique: '2.b.host',
      path: 'Maildir/.Sent/cur/2.b.host:2,S',
      size: 20,
    };
    copied.record(where, [one, two]);
    copied.record(where, [one]);
    expect([...copied.written(where).keys()].sort()).toEqual([
      'Maildir\x001.a.host',
      'Maildir/.Sent\x002.b.host',
    ]);
    expect(copied.written(where).get('Maildir\x001.a.host')).toEqual({
      path: 'Maildir/new/1.a.host',
      size: 10,
      confirmed: false,
    });
    copied.confirm(where, [one]);
    copied.moved(where, [{ ...one, path: 'Maildir/cur/1.a.host:2,S' }]);
    expect(copied.written(where).get('Maildir\x001.a.host')).toEqual({
      path: 'Maildir/cur/1.a.host:2,S',
      size: 10,
      confirmed: true,
    });
    expect(copied.written(where).get('Maildir/.Sent\x002.b.host')?.confirmed).toBe(false);
    copied.forget(where, [one]);
    expect(copied.written(where).size).toBe(1);
  });

  it('remembers the other files it wrote (IMAP and POP state), pending then confirmed', () => {
    const { copiedFiles } = fresh();
    const where = { source: 'old', destination: 'new', domain: 'a.example', mailbox: 'u@a.example' };
    copiedFiles.record(where, [{ path: 'Maildir/courierimapuiddb', size: 16, mtime: 1700000000 }]);
    expect(copiedFiles.written(where).get('Maildir/courierimapuiddb')).toEqual({
      size: 16,
      mtime: 1700000000,
      confirmed: false,
    });
    copiedFiles.confirm(where, ['Maildir/courierimapuiddb']);
    copiedFiles.record(where, [{ path: 'Maildir/.Sent/courierimapuiddb', size: 9, mtime: 1700000001 }]);
    expect([...copiedFiles.written(where)].map(([p, w]) => [p, w.confirmed]).sort()).toEqual([
      ['Maildir/.Sent/courierimapuiddb', false],
      ['Maildir/courierimapuiddb', true],
    ]);
  });

  it('keeps the exact bytes of names that are not UTF-8 (byte strings)', () => {
    const { copied } = fresh();
    const where = { source: 'old', destination: 'new', domain: 'a.example', mailbox: 'u@a.example' };
    const odd = [
      { folder: 'Maildir/.a\nb', unique: '3.o\xffld', path: 'Maildir/.a\nb/new/3.o\xffld', size: 1 },
      { folder: 'Maildir', unique: '4.o\xc3\xa4', path: 'Maildir/new/4.o\xc3\xa4', size: 1 },
    ];
    copied.record(where, odd);
    expect([...copied.written(where).keys()].sort()).toEqual([
      'Maildir\x004.o\xc3\xa4',
      'Maildir/.a\nb\x003.o\xffld',
    ]);
    copied.forget(where, odd);
    expect(copied.written(where).size).toBe(0);
  });

  it('locks a domain against other live processes, and takes over a lock whose holder died', () => {
    const { store, runs, locks } = fresh();
    const run = runs.create('move', request(['a.example']));
    locks.take('new', 'a.example', run.id);
    store.db.prepare('UPDATE locks SET pid = 1').run();
    expect(() => locks.take('new', 'a.example', run.id)).toThrow(/being worked on by run 1 \(process 1/);
    store.db.prepare('UPDATE locks SET pid = ?').run(deadPid());
    locks.take('new', 'a.example', run.id);
    locks.release('new', 'a.example');
    expect(store.db.prepare('SELECT count(*) AS n FROM locks').get()).toEqual({ n: 0 });
  });

  it('abandons a stopped run: resume and a repeated move no longer pick it; a driven run is refused', () => {
    const { store, runs } = fresh();
    const run = runs.create('move', request(['a.example']));
    expect(() => runs.abandon(run.id)).toThrow(/being driven by process/);
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), run.id);
    expect(runs.latestUnfinished()?.id).toBe(run.id);
    expect(runs.abandon(run.id).status).toBe('abandoned');
    expect(runs.latestUnfinished()).toBeUndefined();
    expect(runs.findSame('move', request(['a.example']))).toBeUndefined();
    expect(() => runs.adopt(run.id)).toThrow(/was abandoned/);
    expect(() => runs.abandon(99)).toThrow(/there is no run 99/);
    const done = runs.create('move', request(['b.example']));
    runs.finish(done.id, 'done');
    expect(() => runs.abandon(done.id)).toThrow(/finished; there is nothing to abandon/);
  });

  it('prunes runs that are over and old enough, never one that may continue, holds a lock or a create claim', () => {
    const { store, runs, claims, locks } = fresh();
    const make = (status: 'done' | 'failed', domain: string) => {
      const r = runs.create('move', request([domain]));
      runs.setPhase(r.id, domain, 'transferring');
      runs.mailbox(r.id, domain, `u@${domain}`, 'done', { messages: 1, bytes: 1 });
      runs.finish(r.id, status);
      return r.id;
    };
    const done = make('done', 'a.example');
    const failed = make('failed', 'b.example');
    const claimed = make('done', 'c.example');
    claims.claim(claimed, 'c.example');
    const locked = make('done', 'd.example');
    locks.take('new', 'd.example', locked);
    const abandoned = make('failed', 'e.example');
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), abandoned);
    runs.abandon(abandoned);
    const recent = make('done', 'f.example');
    store.db.prepare("UPDATE runs SET finished_at = '2020-01-01T00:00:00.000Z' WHERE id != ?").run(recent);

    expect(runs.prune(new Date('2021-01-01'))).toEqual([done, abandoned]);
    expect(
      runs
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual([failed, claimed, locked, recent].sort());
    const left = (table: string) =>
      (
        store.db
          .prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id IN (?, ?)`)
          .get(done, abandoned) as {
          n: number;
        }
      ).n;
    expect([left('domains'), left('mailboxes'), left('steps')]).toEqual([0, 0, 0]);
    expect(runs.prune(new Date(Date.now() + 1000))).toEqual([recent]);
  });

  it('keeps the run of a direct grant that may still be on a destination; prunes it with its grants once removed', () => {
    const { store, runs } = fresh();
    const grants = new DirectGrants(store);
    const make = (domain: string) => {
      const r = runs.create('move', request([domain]));
      runs.finish(r.id, 'done');
      const g = {
        runId: r.id,
        destination: 'new',
        login: 'root',
        marker: `vmigrate-direct ${r.id} ${domain}`,
        expiresAt: undefined,
      };
      grants.record(g);
      grants.placed(g, '/root/.ssh/authorized_keys');
      return g;
    };
    const left = make('a.example');
    const gone = make('b.example');
    grants.removed(gone);
    store.db.prepare("UPDATE runs SET finished_at = '2020-01-01T00:00:00.000Z'").run();
    expect(runs.prune(new Date('2021-01-01'))).toEqual([gone.runId]);
    expect(grants.open().map((g) => g.runId)).toEqual([left.runId]);
    grants.removed(left);
    expect(runs.prune(new Date('2021-01-01'))).toEqual([left.runId]);
  });

  it('keeps the run of a cutover that can still be rolled back; prunes it, journal and all, once it cannot', () => {
    const { store, runs, cutovers } = fresh();
    const plan = {
      names: ['a.example'],
      route: { host: 'new' },
      domainDir: '/d',
      qmailDir: '/var/qmail',
      freezeAccess: false,
    };
    const make = () => {
      const r = runs.create('cutover', request(['a.example']));
      runs.finish(r.id, 'done');
      const c = cutovers.create(r.id, { source: 'old', destination: 'new', domain: 'a.example' }, plan);
      cutovers.planChange(c.id, '/d', { kind: 'dir-mode', mode: '700' }, { kind: 'dir-mode', mode: '1700' });
      cutovers.stepDone(c.id, 'frozen');
      return { run: r.id, cutover: c.id };
    };
    const standing = make();
    const over = make();
    cutovers.setState(standing.cutover, 'done');
    cutovers.setState(over.cutover, 'rolled-back');
    store.db.prepare("UPDATE runs SET finished_at = '2020-01-01T00:00:00.000Z'").run();
    expect(runs.prune(new Date('2021-01-01'))).toEqual([over.run]);
    expect(cutovers.get(over.cutover)).toBeUndefined();
    expect(cutovers.changes(over.cutover)).toEqual([]);
    expect(cutovers.steps(over.cutover).size).toBe(0);
    expect(cutovers.get(standing.cutover)?.state).toBe('done');
    expect(cutovers.changes(standing.cutover)).toHaveLength(1);
  });
});
