/**
 * A slow link: 100 ms each way and 1 MB/s to the destination (a far datacentre behind a thin
 * line), and a connection left idle for a long while between two commands (as the source's is
 * while the destination provisions thousands of users). The move completes and verifies; the
 * idle connection still works. Idle for 20 s, 5 minutes with VMIGRATE_SOAK=1 (npm run soak),
 * or VMIGRATE_IDLE_SECONDS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../lab/fault-proxy.js';
import { freshStateDir, spawnLabCli, trialSize } from '../helpers/lab-cli.js';
import { lab, proxiedConfig, proxiedSession } from '../helpers/lab-session.js';
import { dropFromNew, expectExactCopy, useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';
const IDLE_SECONDS = trialSize('VMIGRATE_IDLE_SECONDS', 20, 300);

describe('a slow link', () => {
  const hosts = useMailHosts();
  afterAll(() => dropFromNew(hosts, DOMAIN));

  it('high latency and a throttled rate: the move completes and verifies', { timeout: 300_000 }, async () => {
    await dropFromNew(hosts, DOMAIN);
    const proxy = new FaultProxy(
      { host: lab().hosts.new.address, port: 22 },
      { delayMs: 100, bytesPerSecond: 1_000_000 },
    );
    const port = await proxy.listen();
    try {
      const config = proxiedConfig(port, 'new', 'newfar');
      const state = freshStateDir();
      const r = await spawnLabCli(['move', DOMAIN, '--from', 'old', '--to', 'newfar'], { state, config })
        .result;
      expect(r.code, r.stdout + r.stderr).toBe(0);
      await expectExactCopy(hosts.new, DOMAIN, { from: 'old', to: 'newfar' }, { state, config });
    } finally {
      await proxy.close();
    }
  });

  it(
    `a connection idle for ${IDLE_SECONDS} s still carries the next command`,
    { timeout: 900_000 },
    async () => {
      const proxy = new FaultProxy({ host: lab().hosts.new.address, port: 22 }, { delayMs: 100 });
      const port = await proxy.listen();
      const session = proxiedSession(port, 'new');
      try {
        const { remote } = await session.open('proxied');
        expect((await remote.run(['uname', '-n'])).stdout.toString()).toBe('new\n');
        await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
        expect((await remote.run(['uname', '-n'])).stdout.toString()).toBe('new\n');
        // The same connection, not a new one.
        expect(proxy.connections).toBe(1);
      } finally {
        await session.close();
        await proxy.close();
      }
    },
  );
});
