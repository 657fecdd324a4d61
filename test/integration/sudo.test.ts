import { afterEach, describe, expect, it } from 'vitest';
import type { HostSession } from '../../src/hosts/session.js';
import { LAB_OPERATOR } from '../lab/lab.js';
import { lab, labSession, scratchConfig, writeProfile } from '../helpers/lab-session.js';

let session: HostSession | undefined;
afterEach(() => session?.close());

function operatorProfile(sudo: boolean): string {
  const l = lab();
  return writeProfile(scratchConfig('').dir, 'op', {
    host: `${LAB_OPERATOR.name}@${l.hosts.old.address}`,
    identityFile: l.client.key,
    knownHostsFile: l.client.knownHosts,
    sudo,
  });
}

describe('sudo wrapping', () => {
  it('without sudo, commands run as the login user', async () => {
    session = labSession({ configFile: operatorProfile(false) });
    const { remote } = await session.open('op');
    expect((await remote.run(['id', '-u'])).stdout.toString()).toBe(`${LAB_OPERATOR.uid}\n`);
  });

  it('with sudo, every command runs as root through sudo -n, arguments intact', async () => {
    session = labSession({ configFile: operatorProfile(true) });
    const { remote } = await session.open('op');
    expect((await remote.run(['id', '-u'])).stdout.toString()).toBe('0\n');
    const tricky = "it's $(not) `run` *";
    expect((await remote.run(['printf', '%s', tricky])).stdout.toString()).toBe(tricky);
  });

  it('with sudo, a timed-out command is killed as root', async () => {
    session = labSession({ configFile: operatorProfile(true) });
    const { remote } = await session.open('op');
    await expect(remote.exec(['sleep', '97.3'], { timeoutMs: 300 })).rejects.toThrow(/did not finish/);
    // Lab hosts share the machine's process table: look for this very sleep only.
    const left = await remote.exec(['sh', '-c', "pgrep -fx 'sleep 97.3' || true"]);
    expect(left.stdout.toString().trim()).toBe('');
  });
});

describe('stderr around the pid line', () => {
  it('keeps warnings written before the command (here sudo cannot resolve the host name)', async () => {
    session = labSession({ configFile: operatorProfile(true) });
    const { remote } = await session.open('op');
    const r = await remote.run(['sh', '-c', 'echo mine >&2']);
    expect(r.stderr).toMatch(/mine\n$/);
    expect(r.stderr).not.toMatch(/vmigrate-pid/);
  });
});
