/**
 * The source's inventory going wrong on a real host: the script killed half-way (its whole
 * session, as the OOM killer or an operator's kill takes it), and a vpasswd that vpopmail's own
 * listing stops reading at an overlong line, with exit 0 (spec 4.4). Either way the move stops
 * with an error naming the cause, nothing is written on the destination, and once the cause is
 * gone the run completes. A domain is never read as smaller than it is.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { dropFromNew, snapshotAsideFromLock, useMailHosts } from '../helpers/vpopmail.js';

/** The domain and user of the recorded run (outputs §23): their vpasswd line is 311 bytes. */
const LONG_DOMAIN = 'a-rather-long-subdomain-name-for-testing-line-lengths.example';
const LONG_USER = 'abcdefghijklmnopqrstuvwxyz012345';
const SHA512 =
  '$6$saltsalt$uaQDPpNNmpqQqJ6NPTrhPhecelxJnfkYy3xGzbwpPmNcWNMBXnFVaqXW01bxhKcx6FdLrrY9EcKr6IS/gAfGN.';

describe('an inventory that goes wrong on the source', () => {
  const hosts = useMailHosts();
  const knob = () => `${hosts.old.qmail}/emulator/fault.json`;
  afterAll(async () => {
    await hosts.old.sh(`rm -f ${knob()}`);
    await hosts.old.vp('vdeldomain', '-f', LONG_DOMAIN);
    await dropFromNew(hosts, 'example.com');
    await dropFromNew(hosts, LONG_DOMAIN);
  });

  it('killed half-way: the move stops naming it, nothing written; resume completes', async () => {
    await dropFromNew(hosts, 'example.com');
    const before = await snapshotAsideFromLock(hosts.new);
    // The probe calls vuserinfo once; the inventory's listing is the second call.
    await hosts.old.sh(
      `echo '{"program":"vuserinfo","after":1,"times":1,"action":"kill-session"}' > ${knob()}`,
    );
    const state = freshStateDir();
    const failed = runLabCli(['move', 'example.com', '--from', 'old', '--to', 'new'], { state });
    const said = failed.stdout + failed.stderr;
    expect(failed.code, said).toBe(1);
    expect(said).toMatch(
      /FAILED in preflight: reading example\.com on old failed: .* was killed by signal SIGKILL/,
    );
    expect(said).not.toContain('VMIGRATE-PROBE');
    expect(said).toMatch(/resume with: vmigrate resume \d+/);
    const fault = JSON.parse((await hosts.old.sh(`cat ${knob()}`)).stdout) as {
      seen: number;
      failed: number;
    };
    expect(fault).toMatchObject({ seen: 2, failed: 1 });
    expect(await snapshotAsideFromLock(hosts.new)).toBe(before);

    await hosts.old.sh(`rm -f ${knob()}`);
    const resumed = runLabCli(['resume'], { state });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('No differences: every source message is on the destination.');
  });

  it('a vpasswd line vpopmail cannot list past: refused (exit 5) naming the user, nothing written', async () => {
    await hosts.old.vp('vadddomain', LONG_DOMAIN, 'dom-pass-12345');
    const added = await hosts.old.vp(
      'vadduser',
      '-e',
      SHA512,
      '-c',
      'A Very Long Gecos Field That Is Nearly 48 chars',
      `${LONG_USER}@${LONG_DOMAIN}`,
    );
    expect(added.code, added.stdout).toBe(0);
    // As on the real build: vpopmail itself now lists nobody, and says nothing is wrong.
    const listed = await hosts.old.vp('vuserinfo', '-n', '-D', LONG_DOMAIN);
    expect(listed).toMatchObject({ stdout: '', code: 0 });

    const before = await snapshotAsideFromLock(hosts.new);
    const r = runLabCli(['move', LONG_DOMAIN, '--from', 'old', '--to', 'new'], { state: freshStateDir() });
    const said = r.stdout + r.stderr;
    expect(r.code, said).toBe(5);
    expect(said).toContain(
      `vpasswd of ${LONG_DOMAIN} on old holds 2 users, but vuserinfo -D lists 0: vpopmail cannot read past a line over 255 bytes, that of ${LONG_USER} (`,
    );
    expect(said).not.toContain(SHA512);
    expect(await snapshotAsideFromLock(hosts.new)).toBe(before);
  });
});
