/**
 * What a cutover refuses before it changes anything (a domain this state store never copied,
 * a route the source cannot deliver on, a domain someone else froze), and a cutover stopped
 * by a reload command that failed: the domain's mail waits on the source, and the same
 * command with a working reload command finishes the switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTrafficIds, sendMessage, waitForLocalDeliveries } from '../lab/mail-traffic.js';
import { leaveHostsAsFound, makeLiveDomain, snapshotSource } from '../helpers/cutover-lab.js';
import { freshStateDir, resultOf, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const NAME = 'cutpre.example';
const pair = ['--from', 'old', '--to', 'new'];

describe('cutover preconditions', () => {
  const hosts = useMailHosts();
  const state = freshStateDir();
  let dir: string;
  let pristine: string;

  beforeAll(async () => {
    await makeLiveDomain(hosts.old, NAME);
    dir = (await hosts.old.vp('vdominfo', '-d', NAME)).stdout.split('\n')[0]!;
    pristine = await snapshotSource(hosts.old, dir);
  });
  afterAll(async () => {
    await leaveHostsAsFound(hosts, NAME, state);
  });

  const cutover = (...extra: string[]) =>
    runLabCli(['cutover', NAME, ...pair, '--poll-interval', '200', ...extra], { state });

  it('refuses a domain the destination lacks, or this state store never copied, and changes nothing', async () => {
    const absent = cutover();
    expect(absent.code).toBe(5);
    expect(absent.stderr).toMatch(/cutpre\.example does not exist on new/);
    const moved = runLabCli(['move', NAME, ...pair], { state });
    expect(moved.code, moved.stderr).toBe(0);
    const elsewhere = freshStateDir();
    const unknown = runLabCli(['cutover', NAME, ...pair], { state: elsewhere });
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/this state store has no finished move or sync of cutpre\.example to new/);
    expect(await snapshotSource(hosts.old, dir)).toBe(pristine);
    const runs = resultOf<{ runs: Array<{ command: string }> }>(
      runLabCli(['status', '--json'], { state: elsewhere }).stdout,
    ).runs;
    expect(runs).toEqual([]);
  });

  it('refuses a route on which the source cannot hand over mail, and changes nothing', async () => {
    // legacy runs no SMTP server.
    const r = cutover('--route-to', `${lab().hosts.legacy.address}:25`);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/old cannot hand mail to 10\.213\.\d+\.14:25 over SMTP/);
    expect(await snapshotSource(hosts.old, dir)).toBe(pristine);
  });

  it('refuses a domain whose mail someone else holds (sticky domain directory)', async () => {
    await hosts.old.sh(`chmod +t ${dir}`);
    try {
      const r = cutover();
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/already has the sticky bit/);
    } finally {
      await hosts.old.sh(`chmod -t ${dir}`);
    }
    expect(await snapshotSource(hosts.old, dir)).toBe(pristine);
  });

  it('stops on a failed reload with the mail held, and finishes with a working reload command', async () => {
    const failed = cutover('--reload-command', 'echo no such service >&2; exit 1');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/the reload command failed \(exit 1\): no such service/);
    // Held, not bounced: the domain directory is sticky and the message waits in old's queue.
    const mode = (await hosts.old.sh(`find ${dir} -maxdepth 0 -printf %m`)).stdout;
    expect(mode).toMatch(/^1/);
    const reply = await sendMessage({
      host: lab().hosts.old.address,
      recipient: `ann@${NAME}`,
      id: 'pre-held-1',
    });
    expect(reply).toMatch(/^250 /);

    const reload = `kill -HUP "$(cat ${hosts.old.qmail}/emulator/qmail-send.pid)"`;
    const done = cutover('--reload-command', reload, '--json');
    expect(done.code, done.stderr).toBe(0);
    const result = resultOf<{ resumed: boolean; steps: string[] }>(done.stdout);
    expect(result.resumed).toBe(true);
    expect(result.steps).toEqual(['reloaded', 'unfrozen', 'swept']);
    await waitForLocalDeliveries(hosts.new.remote, hosts.new.qmail);
    const found = await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`);
    expect(found.get('pre-held-1')).toHaveLength(1);

    const back = cutover('--rollback', '--reload-command', reload);
    expect(back.code, back.stderr).toBe(0);
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    expect(await snapshotSource(hosts.old, dir)).toBe(pristine);
  });
});
