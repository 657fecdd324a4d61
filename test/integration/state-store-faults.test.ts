/**
 * The state store failing under vmigrate: garbage or a truncated file in its place, another
 * process holding it, its disk full before or during a move. Each gives a clear error naming
 * the file; the store is never left corrupt (`PRAGMA integrity_check`), no lock is left on the
 * destination, and once space is freed `resume` completes the move and verifies it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { STORE_FILE } from '../../src/state/store.js';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';
const MOVE = ['move', DOMAIN, '--from', 'old', '--to', 'new'];

function integrity(dir: string): string {
  const db = new Database(join(dir, STORE_FILE), { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** A tmpfs of `sizeKiB` with all but `freeKiB` of it taken by a file; returns the mount point. */
function smallDisk(sizeKiB: number, freeKiB: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir]);
  writeFileSync(join(dir, 'filler'), Buffer.alloc((sizeKiB - freeKiB) * 1024));
  return dir;
}

describe('a state store that fails', () => {
  const hosts = useMailHosts();
  const mounts: string[] = [];
  const noLockLeft = async () =>
    expect((await hosts.new.sh(`ls -A ${hosts.new.home}/.vmigrate 2>/dev/null`)).stdout).toBe('');
  afterEach(async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });
  afterAll(() => {
    for (const m of mounts) execFileSync('umount', [m]);
  });

  it('garbage or a truncated store: named as damaged, nothing written on the destination', async () => {
    const garbage = freshStateDir();
    writeFileSync(join(garbage, STORE_FILE), Buffer.alloc(65536, 'garbage '));
    // A real store cut in half, as a copy interrupted by a full disk leaves it.
    const real = freshStateDir();
    expect(runLabCli(['inventory', DOMAIN, '--from', 'old'], { state: real }).code).toBe(0);
    expect(runLabCli(['status'], { state: real }).code).toBe(0);
    const cut = freshStateDir();
    copyFileSync(join(real, STORE_FILE), join(cut, STORE_FILE));
    truncateSync(join(cut, STORE_FILE), 6000);
    for (const state of [garbage, cut])
      for (const args of [['status'], MOVE]) {
        const r = runLabCli(args, { state });
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toContain(
          `error: the state store ${join(state, STORE_FILE)} is damaged or is not a vmigrate state store`,
        );
        expect(r.stderr).toMatch(/^hint: move the file aside/m);
      }
    expect((await hosts.new.vp('vdominfo', '-d', DOMAIN)).code).not.toBe(0);
    await noLockLeft();
  });

  it('a store another process holds: told so after the busy timeout, and intact', async () => {
    const state = freshStateDir();
    expect(runLabCli(['status'], { state }).code).toBe(0);
    const file = join(state, STORE_FILE);
    // Another process with an exclusive transaction open on the store.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3');` +
          `const db = new D(${JSON.stringify(file)}); db.exec('BEGIN EXCLUSIVE');` +
          `console.log('held'); setTimeout(() => {}, 60000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    );
    try {
      await new Promise<void>((held) => holder.stdout.once('data', () => held()));
      const r = runLabCli(MOVE, { state });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`error: the state store ${file} is locked by another process`);
    } finally {
      holder.kill();
    }
    expect(integrity(state)).toBe('ok');
    await noLockLeft();
  });

  // Free space for the store and the run log: 200 KiB runs out in provisioning (the first
  // records of the run), 500 KiB while messages are copied.
  it.each([200, 500])(
    'a disk with %i KiB free fills up: a clear error, no lock left, an intact store; resume completes',
    async (freeKiB) => {
      const disk = smallDisk(2048, freeKiB);
      mounts.push(disk);
      const state = join(disk, 'state');
      mkdirSync(state);
      const r = runLabCli(MOVE, { state });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `error: the state store ${join(state, STORE_FILE)} cannot be written: its disk is full`,
      );
      expect(r.stderr).toMatch(/^hint: free space on that disk, then continue with vmigrate resume/m);
      expect(integrity(state)).toBe('ok');
      await noLockLeft();
      rmSync(join(disk, 'filler'));
      const resumed = runLabCli(['resume'], { state });
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('No differences: every source message is on the destination.');
      expect(integrity(state)).toBe('ok');
    },
  );
});
