/**
 * A cutover killed with SIGKILL at each of its journaled points (every step's end, every
 * change on the source written down, made), then finished by the same command or taken back
 * by --rollback. Mail sent to the source meanwhile is never lost; after a rollback the source
 * equals, byte for byte, a snapshot taken before the cutover (control files, users/, modes,
 * owners, the sticky bit, the users' flags).
 *
 * CI runs each point once, alternating the two ways out; VMIGRATE_SOAK=1 runs both at every
 * point.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTrafficIds, readQueue, sendMessage, waitForLocalDeliveries } from '../lab/mail-traffic.js';
import {
  isJournalEvent,
  makeLiveDomain,
  onEvents,
  leaveHostsAsFound,
  snapshotSource,
  type CliEvent,
} from '../helpers/cutover-lab.js';
import { freshStateDir, runLabCli, spawnLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts, type LabMailHost } from '../helpers/vpopmail.js';

const NAME = 'cutkill.example';
const SOAK = process.env.VMIGRATE_SOAK === '1';
const state = freshStateDir();
const pair = ['--from', 'old', '--to', 'new'];
const cutover = [NAME, ...pair, '--freeze-access', '--poll-interval', '200', '--json-events'];

describe('cutover killed at every journaled point', () => {
  const hosts = useMailHosts();
  let dir: string;
  let pristine: string;
  let sent = 0;
  const ids: string[] = [];

  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const id = `kill-${String(++sent).padStart(4, '0')}`;
      const reply = await sendMessage({ host: lab().hosts.old.address, recipient: `ann@${NAME}`, id });
      expect(reply).toMatch(/^250 /);
      ids.push(id);
    }
  };

  /** No mail for the domain waits in old's queue, to be delivered or relayed. */
  const settle = async () => {
    for (let i = 0; ; i++) {
      await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
      const relaying = (await readQueue(hosts.old.remote, hosts.old.qmail)).filter(
        (r) => !r.done && r.address.endsWith(`@${NAME}`),
      );
      if (relaying.length === 0) break;
      if (i > 200) throw new Error(`still queued on old: ${relaying.map((r) => r.address).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitForLocalDeliveries(hosts.new.remote, hosts.new.qmail);
  };

  /** Each id sent so far is in ann's mailbox on `host` exactly once. */
  const allOn = async (host: LabMailHost) => {
    const found = await findTrafficIds(host.remote, `${host.home}/domains`);
    const wrong = ids.filter((id) => found.get(id)?.length !== 1);
    expect(wrong.map((id) => `${id}: ${found.get(id)?.length ?? 0}`)).toEqual([]);
  };

  beforeAll(async () => {
    await makeLiveDomain(hosts.old, NAME);
    dir = (await hosts.old.vp('vdominfo', '-d', NAME)).stdout.split('\n')[0]!;
    await send(3);
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    const moved = runLabCli(['move', NAME, ...pair], { state });
    expect(moved.code, moved.stderr).toBe(0);
    pristine = await snapshotSource(hosts.old, dir);
  });

  afterAll(async () => {
    await leaveHostsAsFound(hosts, NAME, state);
  });

  /** Runs the cutover, killing it at journal event `at` (never, when undefined); the events seen. */
  async function cutoverKilledAt(
    at: number | undefined,
  ): Promise<{ events: CliEvent[]; code: number | null; said: string }> {
    const child = spawnLabCli(['cutover', ...cutover], { state });
    const events: CliEvent[] = [];
    onEvents(child, (e) => {
      if (!isJournalEvent(e)) return;
      events.push(e);
      if (events.length === at) child.kill('SIGKILL');
    });
    const r = await child.result;
    return { events, code: r.code, said: `${r.stderr}\n${r.stdout.slice(-2000)}` };
  }

  const rollback = () => {
    const r = runLabCli(['cutover', NAME, ...pair, '--rollback', '--poll-interval', '200'], { state });
    expect(r.code, r.stderr + r.stdout).toBe(0);
  };

  let points = 0;

  it('a cutover run whole journals its points, and a rollback restores the source byte for byte', async () => {
    const whole = await cutoverKilledAt(undefined);
    expect(whole.code).toBe(0);
    const steps = whole.events.filter((e) => e.event === 'step').map((e) => e.step);
    expect(steps).toEqual([
      'checked',
      'frozen',
      'access-frozen',
      'synced',
      'rerouted',
      'reloaded',
      'unfrozen',
      'swept',
      'access-restored',
    ]);
    points = whole.events.length;
    // Switched, not rolled back: the users' flags are already back as they were.
    const vpasswd = (snap: string) => snap.split('\n').filter((l) => / vpasswd(\.cdb)?$/.test(l));
    expect(vpasswd(await snapshotSource(hosts.old, dir))).toEqual(vpasswd(pristine));
    expect(vpasswd(pristine)).toHaveLength(2);
    await send(2);
    await settle();
    await allOn(hosts.new);
    rollback();
    await settle();
    expect(await snapshotSource(hosts.old, dir)).toBe(pristine);
    await allOn(hosts.old);
  });

  it('killed at each point, then continued or rolled back: no mail lost, the source restored exactly', async () => {
    expect(points).toBeGreaterThan(20);
    const trials: Array<{ at: number; then: 'continue' | 'rollback' }> = [];
    for (let at = 1; at <= points; at++) {
      if (SOAK) trials.push({ at, then: 'continue' }, { at, then: 'rollback' });
      else trials.push({ at, then: at % 2 === 1 ? 'continue' : 'rollback' });
    }
    for (const t of trials) {
      const killed = await cutoverKilledAt(t.at);
      expect(killed.code, `killed at point ${t.at}: ${killed.said}`).toBe(null);
      // Mail keeps coming while the cutover lies dead, frozen or half switched.
      await send(1);
      if (t.then === 'continue') {
        const r = runLabCli(['cutover', ...cutover.slice(0, -1)], { state });
        expect(r.code, `continued after point ${t.at}: ${r.stderr}`).toBe(0);
        await settle();
        await allOn(hosts.new);
      }
      rollback();
      await settle();
      expect(await snapshotSource(hosts.old, dir), `after point ${t.at}, ${t.then}`).toBe(pristine);
      // The lock the killed cutover left on the destination went with the rollback.
      for (const h of [hosts.old, hosts.new])
        expect(
          (await h.sh(`ls ${h.home}/.vmigrate/locks 2>/dev/null || true`)).stdout,
          `locks after point ${t.at}`,
        ).toBe('');
      await allOn(hosts.old);
    }
    console.log(
      `cutover killed at ${trials.length} points (${points} journaled), ${ids.length} messages sent`,
    );
  }, 1_800_000);
});
