/**
 * Pieces of the command contract that need no server: the JSON envelope, where secrets travel
 * in a batch, the lock holder a run may take over by itself, and the progress figures.
 */
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { envelope, errorEnvelope } from '../../src/cli/envelope.js';
import { describeError, outcomeOf, UsageError } from '../../src/errors.js';
import { holderIsGone, ownerLine, parseOwnerLine } from '../../src/migration/domain-lock.js';
import { runBatch } from '../../src/remote/batch.js';
import { Secret } from '../../src/remote/quote.js';
import { ProgressTotals } from '../../src/ui/progress.js';
import { FakeRemote } from '../helpers/fake-remote.js';
import { capabilities } from '../helpers/builders.js';
import type { HostCheckRow } from '../../src/hosts/check.js';
import { renderHostChecks } from '../../src/ui/hosts-check-view.js';

describe('the JSON envelope', () => {
  it('carries the outcome and its exit status, and the result or the error', () => {
    expect(envelope('move', 'different', { n: 1 }, '/l.log')).toEqual({
      vmigrate: 1,
      command: 'move',
      outcome: 'different',
      exitCode: 3,
      result: { n: 1 },
      log: '/l.log',
    });
    const err = new UsageError('bad', { hint: 'fix it' });
    expect(errorEnvelope('plan', outcomeOf(err), describeError(err))).toMatchObject({
      outcome: 'usage',
      exitCode: 2,
      error: { code: 'USAGE', message: 'bad', hint: 'fix it' },
    });
  });
});

describe('secrets in a batch', () => {
  it('reach the host on stdin only: the command line of the batch holds none', async () => {
    const host = new FakeRemote('new').answer({
      match: /^'?sh'? '?-s'?$/,
      stdout: '@@step 0 0 \n@@done\n',
    });
    await runBatch(host, [
      {
        title: 'add alice',
        argv: [
          '/vp/bin/vadduser',
          '-e',
          new Secret('$6$salt$HASH'),
          'alice@ex.com',
          new Secret('dummy-Pw-1234'),
        ],
      },
    ]);
    expect(host.asked).toHaveLength(1);
    const [asked] = host.asked;
    expect(asked!.line).not.toMatch(/HASH|dummy-Pw/);
    expect(asked!.stdin.toString()).toContain('$6$salt$HASH');
  });
});

describe('a lock holder gone for good', () => {
  const holder = (store: string, pid: number, controller = hostname()) =>
    parseOwnerLine(ownerLine({ store, run: 3, pid, controller, since: '2026-01-01T00:00:00Z' }));
  const deadPid = Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());

  it('is one of this store, or a dead process of this machine; a live or remote one is not', () => {
    expect(holderIsGone(holder('mine', process.pid), 'x', 'mine')).toBe(true);
    expect(holderIsGone(holder('other', deadPid), 'x', 'mine')).toBe(true);
    expect(holderIsGone(holder('other', 1), 'x', 'mine')).toBe(false);
    expect(holderIsGone(holder('other', deadPid, 'laptop-elsewhere'), 'x', 'mine')).toBe(false);
    expect(holderIsGone(undefined, '', 'mine')).toBe(true);
    expect(holderIsGone(undefined, 'garbage', 'mine')).toBe(false);
  });
});

describe('progress figures', () => {
  const box = { label: 'u@ex.com', sourceDir: '/s', destDir: '/d', owner: { uid: 1, gid: 1 } };

  it('never show more done than the total, even when a mailbox is tried again or sends more than planned', () => {
    const t = new ProgressTotals(1);
    t.planned(box, 10_000);
    t.bytes(box, 6_000);
    // The stream was cut; the retry plans what is left.
    t.planned(box, 5_000);
    t.bytes(box, 5_000);
    expect(t.doneBytes).toBe(11_000);
    expect(t.totalBytes).toBe(11_000);
    t.bytes(box, 512);
    expect(t.doneBytes).toBeLessThanOrEqual(t.totalBytes);
  });

  it('give no ETA without a rate or before every mailbox is planned', () => {
    const t = new ProgressTotals(2);
    t.planned(box, 10_000);
    expect(t.eta(0)).toBeUndefined();
    expect(t.eta(1000)).toBeUndefined();
    const other = { ...box, label: 'v@ex.com' };
    t.planned(other, 10_000);
    t.bytes(box, 5_000);
    expect(t.eta(1000)).toBe(15);
  });
});

describe('hosts check for a terminal', () => {
  it('fits 80 columns for a host with every field filled, and names a failure with its hint', () => {
    const row: HostCheckRow = {
      host: 'mail-old.example.net',
      address: 'mail-old.example.net:2222',
      user: 'root',
      via: ['ops@bastion.example.net:22'],
      ok: true,
      hostKey: { type: 'ssh-ed25519', fingerprint: 'SHA256:eJCBAr8P70Phb/y9yICBWPb+KVwPvtEosvXsocxgJHg' },
      capabilities: capabilities({ vpopmailDir: '/home/vpopmail' }),
      problems: [],
      systemSource: true,
      error: undefined,
    };
    const failed: HostCheckRow = {
      ...row,
      host: 'new',
      ok: false,
      hostKey: undefined,
      capabilities: undefined,
      error: {
        code: 'HOST_KEY',
        outcome: 'refused',
        message: 'the key has CHANGED',
        hint: 'fix known_hosts',
        host: 'new',
      },
    };
    const text = renderHostChecks([row, failed]);
    const widest = Math.max(...text.split('\n').map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(80);
    expect(text).toMatch(/^mail-old\.example\.net: ok$/m);
    expect(text).toMatch(/^ {2}host key: {2}ssh-ed25519 SHA256:/m);
    expect(text).toMatch(
      /^new: FAILED\n {2}address: .*\n {2}via: .*\n {2}error: the key has CHANGED\n {2}hint: fix known_hosts$/m,
    );
  });
});
