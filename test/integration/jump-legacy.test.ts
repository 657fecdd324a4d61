import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import type { HostSession } from '../../src/hosts/session.js';
import { lab, labSession, scratchConfig } from '../helpers/lab-session.js';

let session: HostSession | undefined;
afterEach(() => session?.close());

describe('jump hosts', () => {
  it('reaches old through the jump host (ProxyJump in ssh_config)', async () => {
    session = labSession();
    const { remote, spec } = await session.open('old-via-jump');
    expect(spec.jump.map((j) => j.hostname)).toEqual([lab().hosts.jump.address]);
    const r = await remote.run(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    // The connection old sees comes from the jump host's address, not the lab machine's.
    expect(r.stdout.toString().split(' ')[0]).toBe(lab().hosts.jump.address);
  });

  it('reaches old through a chain of two bastions named in a vmigrate profile', async () => {
    const { config } = scratchConfig(
      [
        'hosts:',
        '  chained:',
        '    host: old',
        '    jump: [legacy, jump]',
        '  legacy:',
        '    host: legacy',
        '    legacyAlgorithms: true',
        '',
      ].join('\n'),
    );
    session = labSession({ configFile: config });
    const { remote } = await session.open('chained');
    const r = await remote.run(['sh', '-c', 'echo "$SSH_CONNECTION"']);
    expect(r.stdout.toString().split(' ')[0]).toBe(lab().hosts.jump.address);
  });
});

describe('legacy algorithms', () => {
  it('connects to the legacy-only host when its profile enables legacy algorithms', async () => {
    session = labSession();
    const { remote, pool } = await session.open('legacy');
    expect(pool.hostKey?.keyType).toBe('ssh-rsa');
    expect((await remote.run(['uname', '-n'])).stdout.toString()).toBe('legacy\n');
  });

  it('fails with a clear, permanent error naming the fix when legacy is off', async () => {
    // No vmigrate profile: "legacy" is only the ssh_config alias, which enables nothing.
    session = labSession({ configFile: scratchConfig('hosts: {}\n').config });
    const err = await session.open('legacy').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    const e = err as ConnectionError;
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(/no matching/i);
    expect(e.hint).toMatch(/legacyAlgorithms: true|--legacy-algorithms/);
  });

  it('--legacy-algorithms turns legacy on for a host without a profile', async () => {
    session = labSession({ configFile: scratchConfig('hosts: {}\n').config, legacyAlgorithms: true });
    const { remote } = await session.open('legacy');
    expect((await remote.run(['true'])).code).toBe(0);
  });
});
