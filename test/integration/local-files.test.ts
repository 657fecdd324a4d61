/**
 * What vmigrate writes on the operator's machine (the state store, its journal files, run
 * logs) is readable by the operator only: every file 0600 in directories 0700, also when the
 * umask would give everyone everything. A store holds hosts, users and paths of every domain
 * moved, a log the commands sent.
 */
import { lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLabCli } from '../helpers/lab-cli.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'catchfwd.example';

/** Every path below `dir` (itself included) with its mode. */
function modes(dir: string): Array<{ path: string; kind: 'dir' | 'file' | 'other'; mode: number }> {
  const st = lstatSync(dir);
  const here = {
    path: dir,
    kind: st.isDirectory() ? ('dir' as const) : st.isFile() ? ('file' as const) : ('other' as const),
    mode: st.mode & 0o7777,
  };
  if (!st.isDirectory()) return [here];
  return [here, ...readdirSync(dir).flatMap((name) => modes(join(dir, name)))];
}

describe('local files', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });

  it('are 0600 in 0700 directories after a move and a failed one, with umask 000', () => {
    // A state directory that vmigrate makes itself, below one that exists.
    const state = join(mkdtempSync(join(tmpdir(), 'local-files-')), 'state');
    const was = process.umask(0);
    try {
      const moved = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new'], { state });
      expect(moved.code, moved.stderr).toBe(0);
      const failed = runLabCli(['move', 'absent.example', '--from', 'old', '--to', 'new'], { state });
      expect(failed.code).not.toBe(0);
    } finally {
      process.umask(was);
    }
    const found = modes(state);
    // The store and at least the two runs' logs.
    expect(found.filter((f) => f.kind === 'file').length).toBeGreaterThanOrEqual(3);
    const wrong = found
      .filter((f) => f.mode !== (f.kind === 'dir' ? 0o700 : 0o600))
      .map((f) => `${f.path} ${f.kind} ${f.mode.toString(8)}`);
    expect(wrong).toEqual([]);
  });
});
