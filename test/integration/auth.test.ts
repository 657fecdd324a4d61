import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import type { HostSession } from '../../src/hosts/session.js';
import { defaultPassphraseSource } from '../../src/ssh/auth.js';
import { lab, labSession, scratchConfig, writeProfile } from '../helpers/lab-session.js';

let session: HostSession | undefined;
let agent: ChildProcess | undefined;
const savedEnv = { sock: process.env.SSH_AUTH_SOCK, pass: process.env.VMIGRATE_SSH_PASSPHRASE };

afterEach(async () => {
  await session?.close();
  agent?.kill();
  agent = undefined;
  process.env.SSH_AUTH_SOCK = savedEnv.sock;
  if (savedEnv.sock === undefined) delete process.env.SSH_AUTH_SOCK;
  process.env.VMIGRATE_SSH_PASSPHRASE = savedEnv.pass;
  if (savedEnv.pass === undefined) delete process.env.VMIGRATE_SSH_PASSPHRASE;
});

function profile(dir: string, identityFile: string): string {
  const l = lab();
  return writeProfile(dir, 'target', {
    host: `root@${l.hosts.old.address}`,
    identityFile,
    knownHostsFile: l.client.knownHosts,
  });
}

async function waitFor(path: string) {
  for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 20));
}

describe('authentication', () => {
  it('uses the keys of the ssh-agent at SSH_AUTH_SOCK', async () => {
    const { dir } = scratchConfig('');
    const sock = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    await waitFor(sock);
    execFileSync('ssh-add', ['-q', lab().client.key], {
      env: { ...process.env, SSH_AUTH_SOCK: sock },
      stdio: 'ignore',
    });
    process.env.SSH_AUTH_SOCK = sock;
    // The only identity file named does not exist: the agent is the only way in.
    session = labSession({ configFile: profile(dir, join(dir, 'absent_key')) });
    const { remote } = await session.open('target');
    expect((await remote.run(['uname', '-n'])).stdout.toString()).toBe('old\n');
  });

  it('an encrypted key without a passphrase source gives an error that says so; with one it works', async () => {
    const { dir } = scratchConfig('');
    const key = join(dir, 'locked_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-C', 'locked', '-f', key]);
    appendFileSync(join(lab().dir, 'authorized_keys'), readFileSync(`${key}.pub`));
    delete process.env.SSH_AUTH_SOCK;
    delete process.env.VMIGRATE_SSH_PASSPHRASE;
    const config = profile(dir, key);
    session = labSession({ configFile: config, passphrase: defaultPassphraseSource() });
    const err = await session.open('target').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as Error).message).toContain(`${key}: encrypted, and no passphrase is available`);
    await session.close();

    process.env.VMIGRATE_SSH_PASSPHRASE = 'correct horse';
    session = labSession({ configFile: config, passphrase: defaultPassphraseSource() });
    const { remote } = await session.open('target');
    expect((await remote.run(['true'])).code).toBe(0);
  });
});
