/**
 * A vpopmail command that fails half-way through provisioning (the lab emulator's fault knob:
 * the 5th `vadduser` on new answers `Error: Could not update file`, exit 239, as vpopmail does
 * when it cannot write its files): the move stops with an error naming the command and what
 * vpopmail said, no password in it; once the cause is gone, `resume` completes the domain
 * without a user or file twice, and a second move finds nothing left to do.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freshStateDir, resultOf, runLabCli } from '../helpers/lab-cli.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';

interface MoveResult {
  domains: Array<{ status: string; provisioned?: { changes: number } }>;
}

describe('a vpopmail command that fails during provisioning', () => {
  const hosts = useMailHosts();
  const knob = () => `${hosts.new.qmail}/emulator/fault.json`;
  afterAll(async () => {
    await hosts.new.sh(
      `rm -f ${knob()}; ${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`,
    );
  });

  it('stops the move naming the command; resume completes it, nothing twice', async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
    await hosts.new.sh(`echo '{"program":"vadduser","after":4,"times":1}' > ${knob()}`);
    const state = freshStateDir();
    const failed = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new'], { state });
    const said = failed.stdout + failed.stderr;
    expect(failed.code, said).toBe(1);
    expect(said).toMatch(/FAILED in provisioning: .*add user \S+@example\.com.* failed on new/);
    expect(said).toContain('Error: Could not update file');
    expect(said).not.toMatch(/\$1\$|\$6\$/);
    const fault = JSON.parse((await hosts.new.sh(`cat ${knob()}`)).stdout) as {
      seen: number;
      failed: number;
    };
    expect(fault).toMatchObject({ seen: 5, failed: 1 });

    await hosts.new.sh(`rm -f ${knob()}`);
    const resumed = runLabCli(['resume'], { state });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('No differences: every source message is on the destination.');

    // Every user once, as many as the source has; and nothing left to provision.
    const names = async (h: typeof hosts.old) =>
      (await h.vp('vuserinfo', '-n', '-D', DOMAIN)).stdout.split('\n').filter(Boolean).sort();
    const onNew = await names(hosts.new);
    expect(onNew).toEqual(await names(hosts.old));
    expect(new Set(onNew).size).toBe(onNew.length);
    const again = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new', '--json'], { state });
    expect(again.code, again.stdout).toBe(0);
    expect(resultOf<MoveResult>(again.stdout).domains[0]?.provisioned?.changes).toBe(0);
  });
});
