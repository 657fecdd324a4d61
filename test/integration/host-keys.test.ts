import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostKeyError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import type { HostSession } from '../../src/hosts/session.js';
import { openSftp } from '../../src/ssh/connect.js';
import { knownHostsLine } from '../../src/ssh/known-hosts.js';
import { lab, labSession, scratchConfig } from '../helpers/lab-session.js';

let session: HostSession | undefined;
afterEach(() => session?.close());

function profileWith(knownHosts: string): string {
  return ['hosts:', '  target:', '    host: old', `    knownHostsFile: ${knownHosts}`, ''].join('\n');
}

function oldHostKey(type = 'ssh-ed25519') {
  const key = lab().hosts.old.hostKeys.find((k) => k.type === type)!;
  const [, b64] = key.publicKey.split(' ');
  return { type, blob: Buffer.from(b64!, 'base64') };
}

describe('host key verification', () => {
  it('refuses an unknown host and prints its SHA256 fingerprint', async () => {
    const { dir, config } = scratchConfig('');
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    writeFileSync(config, profileWith(empty));
    session = labSession({ configFile: config });
    const err = await session.open('target').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as HostKeyError).message).toMatch(
      /not in known_hosts; its fingerprint is SHA256:[A-Za-z0-9+/]{43}/,
    );
    expect((err as HostKeyError).hint).toMatch(/--accept-new-host-keys/);
    expect(readFileSync(empty, 'utf8')).toBe('');
  });

  it('checks the SFTP connection of a host as strictly as the others', async () => {
    const { dir, config } = scratchConfig('');
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    writeFileSync(config, profileWith(empty));
    session = labSession({ configFile: config });
    const spec = await session.resolve('target');
    const quiet = {
      acceptNewHostKeys: false,
      passphrase: () => Promise.resolve(undefined),
      log: silentLogger(),
    };
    const err = await openSftp(spec, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(/not in known_hosts/);
    // With the key known, the same call opens a working session.
    writeFileSync(empty, readFileSync(lab().client.knownHosts, 'utf8'));
    const link = await openSftp(spec, quiet);
    try {
      expect(await link.sftp.exists('/var/qmail/control/rcpthosts')).toBe('-');
    } finally {
      link.close();
    }
  });

  it('refuses a changed key, even with accept-new, and leaves known_hosts alone', async () => {
    const { dir, config } = scratchConfig('');
    const file = join(dir, 'kh');
    const other = lab()
      .hosts.new.hostKeys.find((k) => k.type === 'ssh-ed25519')!
      .publicKey.split(' ');
    const content = `${lab().hosts.old.address} ${other[0]} ${other[1]}\n`;
    writeFileSync(file, content);
    writeFileSync(config, profileWith(file));
    session = labSession({ configFile: config, acceptNewHostKeys: true });
    const err = await session.open('target').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(/CHANGED/);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });

  it('accept-new records an unknown key, and the next connection needs no flag', async () => {
    const { dir, config } = scratchConfig('');
    const file = join(dir, 'sub', 'known_hosts');
    writeFileSync(config, profileWith(file));
    session = labSession({ configFile: config, acceptNewHostKeys: true });
    const first = await session.open('target');
    expect(first.pool.hostKey?.recordedIn).toBe(file);
    await session.close();
    const recorded = readFileSync(file, 'utf8');
    expect(recorded).toContain(`${lab().hosts.old.address} ssh-ed25519 `);
    session = labSession({ configFile: config });
    const second = await session.open('target');
    expect(second.pool.hostKey?.recordedIn).toBeUndefined();
    expect((await second.remote.run(['uname', '-n'])).stdout.toString()).toBe('old\n');
  });

  it('accepts a hashed known_hosts entry', async () => {
    const { dir, config } = scratchConfig('');
    const file = join(dir, 'hashed');
    writeFileSync(file, knownHostsLine(lab().hosts.old.address, oldHostKey(), true) + '\n');
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    writeFileSync(config, profileWith(file));
    session = labSession({ configFile: config });
    await expect(session.open('target')).resolves.toBeDefined();
  });

  it('prefers a key type already known: an RSA-only known_hosts still matches', async () => {
    const { dir, config } = scratchConfig('');
    const file = join(dir, 'rsa_only');
    writeFileSync(file, knownHostsLine(lab().hosts.old.address, oldHostKey('ssh-rsa'), false) + '\n');
    writeFileSync(config, profileWith(file));
    session = labSession({ configFile: config });
    const { pool } = await session.open('target');
    expect(pool.hostKey?.keyType).toBe('ssh-rsa');
  });
});

describe('host key verification behind a jump host', () => {
  const keyLine = (address: string, publicKey: string) =>
    `${address} ${publicKey.split(' ').slice(0, 2).join(' ')}`;
  const ed25519 = (h: 'old' | 'new' | 'jump') =>
    lab().hosts[h].hostKeys.find((k) => k.type === 'ssh-ed25519')!.publicKey;

  it.each([
    ['unknown', false, /not in known_hosts; its fingerprint is SHA256:/],
    ['changed', true, /CHANGED/],
  ] as const)('refuses a target whose key is %s (accept-new: %s)', async (what, acceptNew, said) => {
    const l = lab();
    const { dir, config } = scratchConfig('');
    const file = join(dir, 'kh');
    const lines = [
      ...l.hosts.jump.hostKeys.map((k) => keyLine(l.hosts.jump.address, k.publicKey)),
      ...(what === 'changed' ? [keyLine(l.hosts.old.address, ed25519('new'))] : []),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    writeFileSync(
      config,
      ['hosts:', '  target:', '    host: old-via-jump', `    knownHostsFile: ${file}`, ''].join('\n'),
    );
    session = labSession({ configFile: config, acceptNewHostKeys: acceptNew });
    const err = await session.open('target').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(said);
    expect((err as Error).message).toContain(l.hosts.old.address);
    expect(readFileSync(file, 'utf8')).toBe(`${lines.join('\n')}\n`);
  });

  it('refuses a jump host whose key changed, even with accept-new', async () => {
    const l = lab();
    const { dir, config } = scratchConfig('');
    const file = join(dir, 'kh');
    const content = `${keyLine(l.hosts.jump.address, ed25519('new'))}\n${keyLine(l.hosts.old.address, ed25519('old'))}\n`;
    writeFileSync(file, content);
    writeFileSync(
      config,
      [
        'hosts:',
        '  target:',
        '    host: old',
        `    knownHostsFile: ${file}`,
        '    jump: [bastion]',
        '  bastion:',
        '    host: jump',
        `    knownHostsFile: ${file}`,
        '',
      ].join('\n'),
    );
    session = labSession({ configFile: config, acceptNewHostKeys: true });
    const err = await session.open('target').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(/CHANGED/);
    expect((err as Error).message).toContain(l.hosts.jump.address);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });
});
