import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore, type MoveRequest } from '../../src/state/runs.js';
import { StateStore } from '../../src/state/store.js';

const request = (domains: string[]): MoveRequest => ({
  domains,
  from: 'old',
  to: 'new',
  merge: false,
  checksum: false,
  compress: false,
  concurrency: 8,
  domainsConcurrency: 2,
  failFast: false,
});

function fresh() {
  const store = StateStore.open(mkdtempSync(join(tmpdir(), 'runs-')));
  return { store, runs: new RunStore(store) };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
}

describe('RunStore', () => {
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
    const { runs } = fresh();
    const run = runs.create('move', request(['a.example']));
    runs.setPhase(run.id, 'a.example', 'preflight');
    runs.setPhase(run.id, 'a.example', 'failed', 'boom');
    runs.setPhase(run.id, 'a.example', 'preflight');
    expect(runs.domains(run.id)[0]).toMatchObject({ phase: 'preflight', attempts: 2, error: undefined });
    expect(runs.beganCreating('new', 'a.example')).toBe(false);
    runs.step(run.id, 'a.example', 'create', 'running');
    expect(runs.beganCreating('new', 'a.example')).toBe(true);
    expect(runs.beganCreating('other', 'a.example')).toBe(false);
    runs.closeCreateClaims('new', 'a.example');
    expect(runs.beganCreating('new', 'a.example')).toBe(false);
    runs.mailbox(run.id, 'a.example', 'u@a.example', 'done', { messages: 3, bytes: 30 });
    runs.mailbox(run.id, 'a.example', 'u@a.example', 'done', { messages: 1, bytes: 10 });
    expect(runs.mailboxes(run.id, 'a.example')).toEqual([
      { mailbox: 'u@a.example', status: 'done', messages: 4, bytes: 40, error: undefined },
    ]);
  });

  it('remembers the messages it copied, once each', () => {
    const { runs } = fresh();
    const where = { source: 'old', destination: 'new', domain: 'a.example', mailbox: 'u@a.example' };
    runs.recordCopied(where, [
      { folder: 'Maildir', unique: '1.a.host' },
      { folder: 'Maildir/.Sent', unique: '2.b.host' },
    ]);
    runs.recordCopied(where, [{ folder: 'Maildir', unique: '1.a.host' }]);
    expect([...runs.copiedMessages(where)].sort()).toEqual([
      'Maildir\x001.a.host',
      'Maildir/.Sent\x002.b.host',
    ]);
    runs.forgetCopied(where, [{ folder: 'Maildir', unique: '1.a.host' }]);
    expect(runs.copiedMessages(where).size).toBe(1);
  });

  it('keeps the exact bytes of names that are not UTF-8 (byte strings)', () => {
    const { runs } = fresh();
    const where = { source: 'old', destination: 'new', domain: 'a.example', mailbox: 'u@a.example' };
    const odd = [
      { folder: 'Maildir/.a\nb', unique: '3.o\xffld' },
      { folder: 'Maildir', unique: '4.o\xc3\xa4' },
    ];
    runs.recordCopied(where, odd);
    expect([...runs.copiedMessages(where)].sort()).toEqual([
      'Maildir\x004.o\xc3\xa4',
      'Maildir/.a\nb\x003.o\xffld',
    ]);
    runs.forgetCopied(where, odd);
    expect(runs.copiedMessages(where).size).toBe(0);
  });

  it('locks a domain against other live processes, and takes over a lock whose holder died', () => {
    const { store, runs } = fresh();
    const run = runs.create('move', request(['a.example']));
    runs.lockDomain('new', 'a.example', run.id);
    store.db.prepare('UPDATE locks SET pid = 1').run();
    expect(() => runs.lockDomain('new', 'a.example', run.id)).toThrow(/being worked on by run 1 \(process 1/);
    store.db.prepare('UPDATE locks SET pid = ?').run(deadPid());
    runs.lockDomain('new', 'a.example', run.id);
    runs.unlockDomain('new', 'a.example');
    expect(store.db.prepare('SELECT count(*) AS n FROM locks').get()).toEqual({ n: 0 });
  });
});
