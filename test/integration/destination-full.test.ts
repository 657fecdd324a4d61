/**
 * The destination's disk: too small before a move (refused by the preflight check, nothing
 * written), and filled up by something else while messages stream (a clear error naming the
 * host, the directory, what is free and about what is still needed; nothing half-written
 * counted as copied; once space is freed, `resume` completes and verifies). The domains
 * directory of `new` is a size-limited tmpfs for the test, mounted in the host's own
 * namespace; the link to `new` is throttled so that the disk fills while the copy runs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../lab/fault-proxy.js';
import { freshStateDir, runLabCli, spawnLabCli } from '../helpers/lab-cli.js';
import { lab, proxiedConfig } from '../helpers/lab-session.js';
import { expectExactCopy, useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';

describe('a destination whose disk is full', () => {
  const hosts = useMailHosts();
  const domains = () => `${hosts.new.home}/domains`;
  /** The domains directory as a tmpfs of `mib`, owned and mode as vpopmail makes it. */
  const mountSmall = async (mib: number) => {
    const { uid, gid } = hosts.new;
    // vadddomain makes the directory (0700) on a host's first domain: it may not be there yet.
    const r = await hosts.new.sh(
      `[ -d ${domains()} ] || { mkdir -m 700 ${domains()} && chown ${uid}:${gid} ${domains()}; } && ` +
        `mount -t tmpfs -o size=${mib}m,mode=700,uid=${uid},gid=${gid} vmigrate-test-full ${domains()}`,
    );
    expect(r.code, r.stderr).toBe(0);
  };
  const unmount = () =>
    hosts.new.sh(
      `${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; ` +
        `while grep -q ' ${domains()} tmpfs' /proc/mounts; do umount ${domains()} || exit 1; done`,
    );
  afterEach(unmount);
  afterAll(unmount);
  beforeAll(async () => {
    await unmount();
  });

  it('too small from the start: refused before anything is written (exit 5)', async () => {
    await mountSmall(8);
    const r = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new']);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout + r.stderr).toMatch(
      new RegExp(`new has [0-9.]+ MiB free under ${domains()}; ${DOMAIN} needs about [0-9.]+ MiB`),
    );
    expect((await hosts.new.sh(`ls -A ${domains()}`)).stdout).toBe('');
  });

  it('filled while messages stream: told with host, place and sizes; resume completes once there is room', async () => {
    await mountSmall(40);
    const proxy = new FaultProxy({ host: lab().hosts.new.address, port: 22 }, { bytesPerSecond: 2_000_000 });
    const port = await proxy.listen();
    const state = freshStateDir();
    try {
      const config = proxiedConfig(port, 'new', 'newslow');
      const child = spawnLabCli(['move', DOMAIN, '--from', 'old', '--to', 'newslow', '--json-events'], {
        state,
        config,
      });
      let filled: Promise<unknown> | undefined;
      child.stdout.on('data', (d: string) => {
        // Once a mailbox has content under way, something else takes all the space left.
        if (!filled && /"event":"mailbox-plan"[^\n]*"bytes":[1-9]/.test(d))
          filled = hosts.new.sh(`dd if=/dev/zero of=${domains()}/.filler bs=64k 2>/dev/null; true`);
      });
      const r = await child.result;
      expect(filled, r.stdout).toBeDefined();
      await filled;
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(5);
      const said = r.stdout + r.stderr;
      expect(said).toMatch(
        new RegExp(
          `newslow: no space left under ${domains()}/${DOMAIN} \\(tar -x on newslow: .*No space left on device\\); ` +
            `[0-9.]+ MiB free there, and the domain needs about [0-9.]+ MiB more`,
        ),
      );
      // Nothing half-written: no stage left, no message cut short in place.
      const left = await hosts.new.sh(`find ${domains()}/${DOMAIN} -name '.vmigrate-stage.*' | wc -l`);
      expect(left.stdout.trim()).toBe('0');
      expect((await hosts.new.sh(`ls -A ${hosts.new.home}/.vmigrate 2>/dev/null`)).stdout).toBe('');

      // The run goes on through the same (throttled) profile it was started with; the proxy runs
      // in this process, so the CLI must not block it (spawnLabCli, not runLabCli).
      await hosts.new.sh(`rm -f ${domains()}/.filler`);
      const resumed = await spawnLabCli(['resume'], { state, config }).result;
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      await expectExactCopy(hosts.new, DOMAIN, { from: 'old', to: 'newslow' }, { state, config });
    } finally {
      await proxy.close();
    }
  });
});
