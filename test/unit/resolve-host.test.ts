import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { parseTarget, resolveHost } from '../../src/ssh/resolve-host.js';
import { LibraryResolver, OpenSshResolver, type SshConfigResolver } from '../../src/ssh/ssh-config.js';

function sshConfigFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sshcfg-'));
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(
    join(dir, 'conf.d', 'bastion.conf'),
    ['Host bastion', '  HostName bastion.example.net', '  User jumper', '  Port 2200', ''].join('\n'),
  );
  const file = join(dir, 'config');
  writeFileSync(
    file,
    [
      `Include ${join(dir, 'conf.d')}/*.conf`,
      'Host oldmail',
      '  HostName mail-old.example.net',
      '  User admin',
      '  Port 2222',
      '  IdentityFile ~/.ssh/id_old',
      '  IdentitiesOnly yes',
      '  ProxyJump bastion',
      '  UserKnownHostsFile /etc/vmigrate-test/known_hosts',
      'Host *.example.org',
      '  User orguser',
      'Host *',
      '  ServerAliveInterval 7',
      '',
    ].join('\n'),
  );
  return file;
}

const file = sshConfigFixture();
const resolvers: SshConfigResolver[] = [new OpenSshResolver(file), new LibraryResolver(file)];

describe.each(resolvers)('ssh config resolution ($kind)', (ssh) => {
  const ctx = (yaml = '') => ({ config: parseConfigText(yaml, 'test.yaml'), ssh });

  it('applies a Host alias: HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump via Include', async () => {
    const spec = await resolveHost('oldmail', ctx());
    expect(spec).toMatchObject({
      hostname: 'mail-old.example.net',
      user: 'admin',
      port: 2222,
      identityFiles: [join(homedir(), '.ssh', 'id_old')],
      identitiesOnly: true,
      knownHostsFiles: ['/etc/vmigrate-test/known_hosts'],
      keepaliveIntervalMs: 7000,
    });
    expect(spec.jump).toHaveLength(1);
    expect(spec.jump[0]).toMatchObject({ hostname: 'bastion.example.net', user: 'jumper', port: 2200 });
  });

  it('explicit user@host:port beats the ssh config', async () => {
    const spec = await resolveHost('root@oldmail:2022', ctx());
    expect(spec).toMatchObject({ hostname: 'mail-old.example.net', user: 'root', port: 2022 });
  });

  it('wildcard Host blocks apply to literal names; unknown names fall back to defaults', async () => {
    expect(await resolveHost('x.example.org', ctx())).toMatchObject({
      hostname: 'x.example.org',
      user: 'orguser',
      port: 22,
    });
    const plain = await resolveHost('plain.example.com', ctx());
    expect(plain.port).toBe(22);
    expect(plain.identityFiles).toContain(join(homedir(), '.ssh', 'id_ed25519'));
  });

  it('a vmigrate profile wins over the ssh config, which fills in the rest', async () => {
    const spec = await resolveHost(
      'old',
      ctx(
        [
          'hosts:',
          '  old:',
          '    host: oldmail',
          '    port: 2323',
          '    identityFile: ~/keys/migrate',
          '    sudo: true',
          '    vpopmailDir: /home/vpopmail/',
          '    jump: [root@gw.example.net:2201]',
          '',
        ].join('\n'),
      ),
    );
    expect(spec).toMatchObject({
      label: 'old',
      hostname: 'mail-old.example.net',
      user: 'admin',
      port: 2323,
      identityFiles: [join(homedir(), 'keys', 'migrate')],
      sudo: true,
      vpopmailDir: '/home/vpopmail',
    });
    expect(spec.jump.map((j) => `${j.user}@${j.hostname}:${j.port}`)).toEqual(['root@gw.example.net:2201']);
  });
});

describe('targets and profiles', () => {
  it('parses user@host:port and IPv6', () => {
    expect(parseTarget('root@mail.example.net:2222')).toEqual({
      user: 'root',
      host: 'mail.example.net',
      port: 2222,
    });
    expect(parseTarget('[2001:db8::1]:22')).toEqual({ user: undefined, host: '2001:db8::1', port: 22 });
    expect(parseTarget('mail')).toEqual({ user: undefined, host: 'mail', port: undefined });
  });

  it.each(['-oProxyCommand=x', 'a b', 'x;rm', 'host:99999', 'us$er@host', '', 'host:'])(
    'refuses %j',
    (bad) => {
      expect(() => parseTarget(bad)).toThrow(UsageError);
    },
  );

  it('names every problem in an invalid config file', () => {
    const bad = [
      'hosts:',
      '  old:',
      '    port: 0',
      '    vpopmailDir: relative/path',
      '    colour: blue',
      '',
    ].join('\n');
    let message = '';
    try {
      parseConfigText(bad, '/x/vmigrate.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      message = (err as Error).message;
    }
    expect(message).toContain('/x/vmigrate.yaml');
    expect(message).toContain('hosts.old.port');
    expect(message).toContain('hosts.old.vpopmailDir: must be an absolute path');
    expect(message).toMatch(/colour/);
  });

  it('refuses YAML that does not parse', () => {
    expect(() => parseConfigText('hosts: [', 'f.yaml')).toThrow(/not valid YAML/);
  });
});
