/** relayTree opens both ends at once; when one cannot be opened, the other is ended, not leaked. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { relayTree } from '../../src/maildir/tar-relay.js';
import type { ExitStatus, Remote, RemoteProcess } from '../../src/remote/remote.js';

function fakeProcess() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let killed = false;
  let finish: (s: ExitStatus) => void = () => {};
  const done = new Promise<ExitStatus>((r) => (finish = r));
  stdin.on('finish', () => {
    stdout.end();
    finish({ code: 0, signal: null, stderr: '', lost: false });
  });
  const proc: RemoteProcess = {
    stdin,
    stdout,
    done,
    command: 'tar',
    kill: () => void (killed = true),
  };
  return { proc, wasKilled: () => killed, stdinEnded: () => stdin.writableEnded };
}

function remote(label: string, spawn: () => Promise<RemoteProcess>): Remote {
  return {
    label,
    spawn,
    exec: () => Promise.reject(new Error('not used')),
    run: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  };
}

const job = { sourceBase: '/a', destBase: '/b', members: ['x'], owner: { uid: 1, gid: 1 } };

describe('relayTree opening its two ends', () => {
  it('asks for both channels before either has opened', async () => {
    const asked: string[] = [];
    const never = new Promise<RemoteProcess>(() => {});
    const source = remote('old', () => (asked.push('old'), never));
    const dest = remote('new', () => (asked.push('new'), never));
    void relayTree(source, dest, job);
    await new Promise((r) => setImmediate(r));
    expect(asked).toEqual(['old', 'new']);
  });

  it('ends the source tar and fails with the destination error when the destination cannot open', async () => {
    const src = fakeProcess();
    const source = remote('old', () => Promise.resolve(src.proc));
    const dest = remote('new', () => Promise.reject(new Error('the connection to new was lost')));
    await expect(relayTree(source, dest, job)).rejects.toThrow('the connection to new was lost');
    expect(src.wasKilled()).toBe(true);
    expect(src.stdinEnded()).toBe(true);
  });

  it('ends the destination tar when the source cannot open', async () => {
    const dst = fakeProcess();
    const source = remote('old', () => Promise.reject(new Error('open failed on old')));
    const dest = remote('new', () => Promise.resolve(dst.proc));
    await expect(relayTree(source, dest, job)).rejects.toThrow('open failed on old');
    expect(dst.wasKilled()).toBe(true);
    expect(dst.stdinEnded()).toBe(true);
  });
});
