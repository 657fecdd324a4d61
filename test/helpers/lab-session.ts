/** Connecting to lab hosts from tests, with the lab's own known_hosts, ssh_config and key. */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { HostSession, type SessionOptions } from '../../src/hosts/session.js';
import { silentLogger } from '../../src/log/logger.js';
import { LAB_OPERATOR, type LabInfo } from '../lab/lab.js';

export function lab(): LabInfo {
  return inject('lab');
}

export function labSession(overrides: Partial<SessionOptions> = {}): HostSession {
  const l = lab();
  return new HostSession({
    configFile: l.client.vmigrateConfig,
    sshConfigFile: l.client.sshConfig,
    acceptNewHostKeys: false,
    legacyAlgorithms: false,
    passphrase: () => Promise.resolve(undefined),
    log: silentLogger(),
    ...overrides,
  });
}

/** A scratch directory with a vmigrate config of the given YAML text and a copy of known_hosts. */
export function scratchConfig(yaml: string): { dir: string; config: string; knownHosts: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vmigrate-test-'));
  const config = join(dir, 'vmigrate.yaml');
  writeFileSync(config, yaml);
  const knownHosts = join(dir, 'known_hosts');
  copyFileSync(lab().client.knownHosts, knownHosts);
  return { dir, config, knownHosts };
}

/** Write a vmigrate config holding one profile with the given fields; returns its path. */
export function writeProfile(dir: string, name: string, fields: Record<string, string | boolean>): string {
  const config = join(dir, `${name}.yaml`);
  const lines = Object.entries(fields).map(([k, v]) => `    ${k}: ${String(v)}`);
  writeFileSync(config, ['hosts:', `  ${name}:`, ...lines, ''].join('\n'));
  return config;
}

/**
 * A session whose profile `proxied` reaches a lab host through a local port (a fault proxy):
 * the host's key is recorded for `[127.0.0.1]:port`, the name the client will look it up by.
 */
export function proxiedSession(port: number, host: 'old' | 'new'): HostSession {
  return labSession({ configFile: proxiedConfig(port, host, 'proxied') });
}

/**
 * A vmigrate config for the CLI whose profile `name` is the lab's `host` reached through a
 * local port (a fault proxy), beside the other mail host under its own name; returns its path.
 */
export function proxiedConfig(port: number, host: 'old' | 'new', name: string): string {
  const l = lab();
  const { config, knownHosts } = scratchConfig('');
  const [type, key] = l.hosts[host].hostKeys[0]!.publicKey.split(' ');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${key}\n`);
  const dirs = (h: 'old' | 'new') => [
    `    vpopmailDir: ${l.hosts[h].vpopmail!.home}`,
    `    qmailDir: ${l.hosts[h].qmailDir!}`,
  ];
  const other = host === 'old' ? 'new' : 'old';
  writeFileSync(
    config,
    [
      'hosts:',
      `  ${other}:`,
      `    host: ${other}`,
      ...dirs(other),
      `  ${name}:`,
      `    host: root@127.0.0.1:${port}`,
      `    identityFile: ${l.client.key}`,
      `    knownHostsFile: ${knownHosts}`,
      ...dirs(host),
      '',
    ].join('\n'),
  );
  return config;
}

/**
 * A vmigrate config whose profiles `oldp` and `newp` reach old and new through local ports
 * (fault proxies: the controller's links alone), while the servers still reach each other over
 * the lab bridge: `newp` names new's own address as its directAddress. Returns its path.
 */
export function proxiedPairConfig(ports: { old: number; new: number }): string {
  const l = lab();
  const { config, knownHosts } = scratchConfig('');
  writeFileSync(
    knownHosts,
    (['old', 'new'] as const)
      .map((h) => {
        const [type, key] = l.hosts[h].hostKeys[0]!.publicKey.split(' ');
        return `[127.0.0.1]:${ports[h]} ${type} ${key}\n`;
      })
      .join(''),
  );
  const profile = (h: 'old' | 'new') => [
    `  ${h}p:`,
    `    host: root@127.0.0.1:${ports[h]}`,
    `    identityFile: ${l.client.key}`,
    `    knownHostsFile: ${knownHosts}`,
    `    vpopmailDir: ${l.hosts[h].vpopmail!.home}`,
    `    qmailDir: ${l.hosts[h].qmailDir!}`,
  ];
  writeFileSync(
    config,
    [
      'hosts:',
      ...profile('old'),
      ...profile('new'),
      `    directAddress: ${l.hosts.new.address}:${l.hosts.new.port}`,
      '',
    ].join('\n'),
  );
  return config;
}

/**
 * A vmigrate config whose profiles `oldop` and `newop` log in to old and new as the lab's
 * operator, who works through sudo; returns its path.
 */
export function operatorConfig(): string {
  const l = lab();
  const { config } = scratchConfig('');
  const profile = (h: 'old' | 'new') => [
    `  ${h}op:`,
    `    host: ${LAB_OPERATOR.name}@${l.hosts[h].address}`,
    `    identityFile: ${l.client.key}`,
    `    knownHostsFile: ${l.client.knownHosts}`,
    '    sudo: true',
    `    vpopmailDir: ${l.hosts[h].vpopmail!.home}`,
    `    qmailDir: ${l.hosts[h].qmailDir!}`,
  ];
  writeFileSync(config, ['hosts:', ...profile('old'), ...profile('new'), ''].join('\n'));
  return config;
}
