/**
 * A connection that goes silent without a reset or a close, as when a NAT forgets it or the
 * laptop sleeps: the SSH keepalive (ServerAliveInterval × ServerAliveCountMax of the ssh
 * configuration; 15 s × 4 by default) notices it, and the stream is retried on a new
 * connection. Here the keepalive is 1 s × 3, so the silence must be noticed within a few
 * seconds; the move then completes and verifies.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../lab/fault-proxy.js';
import { freshStateDir, spawnLabCli } from '../helpers/lab-cli.js';
import { lab, proxiedConfig } from '../helpers/lab-session.js';
import { expectExactCopy, useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';

describe('a connection that goes silent', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });

  it('is noticed by the keepalive within seconds, and the stream retried on a new connection', async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
    const l = lab();
    const proxy = new FaultProxy({ host: l.hosts.new.address, port: 22 }, { bytesPerSecond: 2_000_000 });
    const port = await proxy.listen();
    const config = proxiedConfig(port, 'new', 'newsilent');
    const sshConfig = join(freshStateDir(), 'ssh_config');
    writeFileSync(
      sshConfig,
      `Include ${l.client.sshConfig}\n\nHost 127.0.0.1\n  ServerAliveInterval 1\n  ServerAliveCountMax 3\n`,
    );
    const state = freshStateDir();
    try {
      const child = spawnLabCli(['move', DOMAIN, '--from', 'old', '--to', 'newsilent', '--json-events'], {
        state,
        config,
        sshConfig,
      });
      let silencedAt: number | undefined;
      child.stdout.on('data', (d: string) => {
        if (silencedAt === undefined && /"event":"mailbox-plan"[^\n]*"bytes":[1-9]/.test(d)) {
          silencedAt = Date.now();
          proxy.silenceAll();
        }
      });
      const r = await child.result;
      expect(silencedAt, r.stdout).toBeDefined();
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.log).toMatch(/transient failure; retrying/);
      // Noticed by the configured keepalive (about 4 s), not by the default one (60 s and more).
      const retried = r.log
        .split('\n')
        .filter((l) => l.includes('transient failure; retrying'))
        .map((l) => Date.parse((JSON.parse(l) as { time: string }).time))[0]!;
      expect(retried - silencedAt!).toBeLessThan(30_000);
      // A second connection carried what the silenced one could not.
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      await expectExactCopy(hosts.new, DOMAIN, { from: 'old', to: 'newsilent' }, { state, config });
    } finally {
      await proxy.close();
    }
  });
});
