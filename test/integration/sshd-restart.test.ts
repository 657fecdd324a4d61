/**
 * The source's sshd killed mid-transfer (the listener and every connection) and started again
 * later: vmigrate retries; when the outage outlasts its retries the run fails as unreachable
 * (exit 4) and `resume` completes it. Either way every message arrives once and verifies by
 * checksum. The outage lasts 5 s, a minute with VMIGRATE_SOAK=1 (npm run soak), or
 * VMIGRATE_SSHD_DOWN_SECONDS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../lab/fault-proxy.js';
import { killSshd, startSshd } from '../lab/sshd-control.js';
import { freshStateDir, spawnLabCli, trialSize } from '../helpers/lab-cli.js';
import { lab, proxiedConfig } from '../helpers/lab-session.js';
import { dropFromNew, expectExactCopy, useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';
const DOWN_SECONDS = trialSize('VMIGRATE_SSHD_DOWN_SECONDS', 5, 60);

describe("the source's sshd killed and restarted mid-transfer", () => {
  const hosts = useMailHosts();
  afterAll(() => dropFromNew(hosts, DOMAIN));

  it(
    `is retried, then resumed: every message once (down ${DOWN_SECONDS} s)`,
    { timeout: 600_000 },
    async () => {
      await dropFromNew(hosts, DOMAIN);
      const l = lab();
      // The source behind a throttled proxy: the transfer lasts long enough to be cut.
      const proxy = new FaultProxy({ host: l.hosts.old.address, port: 22 }, { bytesPerSecond: 2_000_000 });
      const port = await proxy.listen();
      const config = proxiedConfig(port, 'old', 'oldslow');
      const state = freshStateDir();
      try {
        const child = spawnLabCli(['move', DOMAIN, '--from', 'oldslow', '--to', 'new', '--json-events'], {
          state,
          config,
        });
        let outage: Promise<void> | undefined;
        child.stdout.on('data', (d: string) => {
          if (outage || !/"event":"mailbox-plan"[^\n]*"bytes":[1-9]/.test(d)) return;
          outage = (async () => {
            expect(killSshd(l.hosts.old)).toBeGreaterThanOrEqual(2);
            await new Promise((r) => setTimeout(r, DOWN_SECONDS * 1000));
            await startSshd(l.hosts.old);
          })();
        });
        const r = await child.result;
        expect(outage, r.stdout).toBeDefined();
        await outage;
        expect(r.log).toMatch(/transient failure; retrying/);
        // Through the outage by itself, or given up as unreachable and resumed.
        expect([0, 4], `${r.stdout}\n${r.stderr}`).toContain(r.code);
        // The proxy runs in this process: the CLI must not block it (spawnLabCli, not runLabCli).
        if (r.code === 4) {
          const resumed = await spawnLabCli(['resume'], { state, config }).result;
          expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
        }
        await expectExactCopy(hosts.new, DOMAIN, { from: 'oldslow', to: 'new' }, { state, config });
      } finally {
        await proxy.close();
        // Whatever happened, the lab's old answers again for the tests after this one.
        await startSshd(l.hosts.old).catch(() => {});
      }
    },
  );
});
