/**
 * A lab host's sshd stopped dead and started again, as when a server's sshd is killed or
 * restarted under a running migration: every sshd process of the host (the listener and each
 * connection's) gets SIGKILL, and a new listener is started in the host's own namespaces,
 * entered through a process that lives on there (the emulated mail server).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForPort, type LabHost } from './lab.js';
import { netnsPids } from './network.js';

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** Kills every sshd of `host`; returns how many there were. */
export function killSshd(host: LabHost): number {
  const sshd = netnsPids(host.netns).filter((pid) => comm(pid) === 'sshd');
  for (const pid of sshd) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return sshd.length;
}

/** Starts a listening sshd on `host` again and waits until it answers. */
export async function startSshd(host: LabHost): Promise<void> {
  const listening = await waitForPort(host.address, host.port, 200).then(
    () => true,
    () => false,
  );
  if (listening) return;
  const inside = netnsPids(host.netns).find((pid) => comm(pid) !== 'sshd' && comm(pid) !== '');
  if (inside === undefined) throw new Error(`nothing runs in ${host.name}'s namespaces to enter them by`);
  const log = openSync(join(host.dir, 'sshd.log'), 'a', 0o600);
  const child = spawn(
    'nsenter',
    [
      `--target=${inside}`,
      '--mount',
      '--uts',
      '--net',
      '--',
      '/usr/sbin/sshd',
      '-D',
      '-e',
      '-f',
      join(host.dir, 'sshd_config'),
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  closeSync(log);
  await waitForPort(host.address, host.port, 10_000);
}
