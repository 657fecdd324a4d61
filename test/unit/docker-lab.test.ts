/**
 * The container lab (docker/) cannot be built here (no engine), so what can be checked without
 * one is: its hosts are the namespace lab's hosts, and its vmigrate profiles load.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { LAB_HOSTS } from '../lab/hosts.js';

interface Service {
  build: { args?: Record<string, string> };
}

describe('the container lab', () => {
  const compose = parse(readFileSync('docker/compose.yaml', 'utf8')) as { services: Record<string, Service> };

  it('builds old and new with the namespace lab’s vpopmail homes, uids and gids', () => {
    for (const name of ['old', 'new'] as const) {
      const args = compose.services[name]?.build.args ?? {};
      const host = LAB_HOSTS.find((h) => h.name === name);
      expect(host?.vpopmail).toBeDefined();
      expect(args).toMatchObject({
        HOST_NAME: name,
        VPOPMAIL_HOME: host?.vpopmail?.home,
        VPOPMAIL_UID: String(host?.vpopmail?.uid),
        VPOPMAIL_GID: String(host?.vpopmail?.gid),
      });
    }
    expect(compose.services.old?.build.args?.FIXTURE).toBe('standard');
  });

  it('ships vmigrate profiles that load and point at the published ports', () => {
    const { config } = loadConfig('docker/vmigrate.yaml');
    expect(Object.keys(config.hosts ?? {}).sort()).toEqual(['new', 'old', 'real']);
    expect(config.hosts?.old).toMatchObject({ host: 'root@127.0.0.1:2201', vpopmailDir: '/home/vpopmail' });
    expect(config.hosts?.new).toMatchObject({ host: 'root@127.0.0.1:2202', vpopmailDir: '/var/vpopmail' });
  });
});
