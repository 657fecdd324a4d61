/**
 * The direct path's shared connection on the source (direct-master.sh), run here by a local
 * POSIX sh with an `ssh` of the test's own in front of the PATH: a master that logs in, makes
 * its control socket and then runs until it is killed, and that ignores `-O exit` (as a master
 * still busy closing does, for a moment). When the controller ends the domain, the script
 * must leave no master behind: it kills and waits for ssh itself, not a shell around it whose
 * death would hand the master to init.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { directScript } from '../../src/maildir/direct-tree.js';

const FAKE_SSH = `#!/bin/sh
# The test's ssh: -Q lists a cipher, -O check answers once the socket is there, -O exit is
# ignored, and -M (the master) records its pid and becomes a process that holds the socket.
ctl=
prev=
for a; do
  [ "$prev" = -S ] && ctl=$a
  prev=$a
done
case " $* " in
*" -Q cipher "*) echo aes128-gcm@openssh.com ;;
*" -O check "*) [ -S "$ctl" ] ;;
*" -O exit "*) exit 0 ;;
*" -M "*)
  echo $$ >"$FAKE_SSH_DIR/master.pid"
  exec node -e 'require("node:net").createServer().listen(process.argv[1])' "$ctl" ;;
*) exit 255 ;;
esac
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the direct path master script', () => {
  it('leaves no ssh running once the controller ends it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'direct-master-'));
    writeFileSync(join(dir, 'ssh'), FAKE_SSH);
    chmodSync(join(dir, 'ssh'), 0o755);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBh468P/EYqFGjzhvzCw/reTe7zFNYIwyKW/atju6dSE';
    const proc = spawn(
      'sh',
      ['-c', directScript('direct-master.sh'), 'vmigrate-master', key, key, '192.0.2.1', '22', 'root'],
      {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, TMPDIR: dir, FAKE_SSH_DIR: dir },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    proc.stdout.setEncoding('utf8');
    const ready = new Promise<string>((resolve) =>
      proc.stdout.on('data', (d: string) => {
        out += d;
        const m = /^vmigrate-master (\S+)$/m.exec(out);
        if (m?.[1]) resolve(m[1]);
      }),
    );
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    const ctl = await ready;
    const master = Number(readFileSync(join(dir, 'master.pid'), 'utf8'));
    // A failing run must not leave the test's master behind either.
    onTestFinished(() => {
      if (alive(master)) process.kill(master, 'SIGKILL');
    });
    expect(alive(master)).toBe(true);
    expect(existsSync(ctl)).toBe(true);

    proc.stdin.end();
    expect(await exited).toBe(0);
    // Gone by the time the script has ended, and its directory with the socket too.
    expect(alive(master)).toBe(false);
    expect(existsSync(ctl)).toBe(false);
  });
});
