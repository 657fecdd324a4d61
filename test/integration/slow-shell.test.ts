/**
 * Servers whose root login is slow to start (pyenv, rvm, conda in `.bashrc`): every command
 * vmigrate runs pays the start-up once. vmigrate must work there unchanged — the probe's
 * quiet-shell check must not mistake a slow shell for a noisy one — and the run log says how
 * many commands a move issued, the figure that multiplies the start-up (docs/performance.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setShellStartup } from '../lab/slow-shell.js';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'catchfwd.example';
const STARTUP_S = 0.2;

/** Remote commands a run issued, from its log (each exec or stream is one `spawn`). */
const remoteCommands = (log: string) => log.split('\n').filter((l) => l.includes('"msg":"spawn"')).length;

describe('hosts with a slow shell start-up', () => {
  const hosts = useMailHosts();
  beforeAll(() => {
    for (const h of [lab().hosts.old, lab().hosts.new]) setShellStartup(h, STARTUP_S);
  });
  afterAll(async () => {
    for (const h of [lab().hosts.old, lab().hosts.new]) setShellStartup(h, 0);
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });

  it('runs the start-up file before every command vmigrate sends', async () => {
    for (const h of [hosts.old, hosts.new])
      expect((await h.remote.run(['sh', '-c', 'echo "$LAB_SHELL_STARTUP"'])).stdout.toString()).toBe(
        `${STARTUP_S}\n`,
      );
  });

  it('checks, moves and verifies as on any host, and says how many commands that took', () => {
    const state = freshStateDir();
    const check = runLabCli(['hosts', 'check', 'old', 'new'], { state });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const move = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new', '--checksum'], { state });
    expect(move.code, move.stderr).toBe(0);
    expect(move.stdout).toMatch(/No differences/);
    const n = remoteCommands(move.log);
    expect(n).toBeGreaterThan(0);
    console.log(
      `move of ${DOMAIN} on slow-shell hosts: ${n} remote commands (${(n * STARTUP_S).toFixed(1)} s of start-up)`,
    );
  });
});
