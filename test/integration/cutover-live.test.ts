/**
 * The live test of a cutover. While a steady stream of mail goes to a domain's users, an
 * alias, its alias domain, the catch-all and a list — first to the source, then also to the
 * destination as the MX changes mid-way, and including what qmail queued as local on the
 * source just before the reroute — the domain is moved, synced twice and cut over, while a
 * simulated IMAP user on the destination marks, moves and deletes messages. Afterwards every
 * message the servers accepted is where it belongs on the destination exactly once (or gone,
 * when that user deleted it), none bounced, none stayed only on the source, and nothing that
 * user did was undone. Then a rollback: the mail the destination received is on the source.
 *
 * CI runs two seeds; VMIGRATE_SOAK=1 runs five.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImapClient } from '../lab/imap-client.js';
import { findTrafficIds, readQueue, startTraffic, waitForLocalDeliveries } from '../lab/mail-traffic.js';
import { leaveHostsAsFound, makeLiveDomain, onEvents, type LiveDomain } from '../helpers/cutover-lab.js';
import { freshStateDir, resultOf, runLabCli, spawnLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts, type LabMailHost } from '../helpers/vpopmail.js';

const SEEDS = process.env.VMIGRATE_SOAK === '1' ? [11, 12, 13, 14, 15] : [11, 12];
const pair = ['--from', 'old', '--to', 'new'];
const EZMLM = '/var/qmail/bin/ezmlm-send';
/** Ids unique to this run: the hosts' logs outlive a test. */
const RUN = Date.now().toString(36);

describe('a live cutover under traffic and a user at work on the destination', () => {
  const hosts = useMailHosts();

  beforeAll(async () => {
    // The operator installs ezmlm on the destination before moving a domain with lists.
    const stub = (await hosts.old.sh(`cat ${EZMLM}`)).stdout;
    await hosts.new.remote.run(['sh', '-c', `cat > ${EZMLM} && chmod 755 ${EZMLM}`], { stdin: stub });
  });
  afterAll(async () => {
    await hosts.new.sh(`rm -f ${EZMLM}`);
  });

  /** No mail for the domain waits in either queue. */
  async function settle(names: readonly string[]) {
    for (let i = 0; ; i++) {
      await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
      const queued = (await readQueue(hosts.old.remote, hosts.old.qmail)).filter(
        (r) => !r.done && names.some((n) => r.address.endsWith(`@${n}`)),
      );
      if (queued.length === 0) break;
      if (i > 300) throw new Error(`still queued on old: ${queued.map((r) => r.address).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitForLocalDeliveries(hosts.new.remote, hosts.new.qmail);
  }

  const userDir = async (h: LabMailHost, address: string) =>
    (await h.vp('vuserinfo', '-d', address)).stdout.trim();

  /** Ids the list program was given on either host. */
  async function listIds(tag: string): Promise<string[]> {
    const logs = await Promise.all(
      [hosts.old, hosts.new].map((h) => h.sh('cat /tmp/lab-addons.log 2>/dev/null')),
    );
    return logs
      .flatMap((l) => l.stdout.split('\n'))
      .flatMap((l) => /ezmlm-send .* id=(\S+)/.exec(l)?.[1] ?? [])
      .filter((id) => id.startsWith(tag));
  }

  for (const seed of SEEDS) {
    it(`seed ${seed}: every accepted message on the destination once, none bounced, no user change undone`, async () => {
      const name = `live${seed}.example`;
      const state = freshStateDir();
      const domain: LiveDomain = await makeLiveDomain(hosts.old, name);
      const names = [name, domain.alias];
      const recipients = domain.routes.map((r) => r.address);
      const routeOf = new Map(domain.routes.map((r) => [r.address, r]));
      const logMark = Date.now();
      let toOld: ReturnType<typeof startTraffic> | undefined;
      let toNew: ReturnType<typeof startTraffic> | undefined;
      let user: ReturnType<typeof startImapClient> | undefined;
      try {
        toOld = startTraffic({ host: lab().hosts.old.address, recipients, rate: 12, tag: `L${RUN}${seed}a` });
        await new Promise((r) => setTimeout(r, 1500));
        const moved = runLabCli(['move', name, ...pair], { state });
        expect(moved.code, moved.stderr).toBe(0);

        const newDirs = await Promise.all(domain.users.map((u) => userDir(hosts.new, `${u}@${name}`)));
        user = startImapClient({
          remote: hosts.new.remote,
          userDirs: newDirs,
          uid: hosts.new.uid,
          gid: hosts.new.gid,
          seed,
          intervalMs: 150,
        });
        for (let i = 0; i < 2; i++) {
          const s = runLabCli(['sync', name, ...pair], { state });
          expect(s.code, s.stderr).toBe(0);
        }

        // The MX changes while the source holds the domain's mail: senders reach both for a while.
        const cut = spawnLabCli(['cutover', name, ...pair, '--poll-interval', '200', '--json-events'], {
          state,
        });
        onEvents(cut, (e) => {
          if (e.event === 'step' && e.step === 'frozen' && !toNew)
            toNew = startTraffic({
              host: lab().hosts.new.address,
              recipients,
              rate: 12,
              tag: `L${RUN}${seed}b`,
            });
        });
        const done = await cut.result;
        expect(done.code, done.stderr + done.stdout.slice(-2000)).toBe(0);
        expect(toNew, 'the MX switch began during the cutover').toBeDefined();
        // Mail that reached old while its delivery was held was queued as local there: the
        // sweep found it delivered into old's Maildirs after the switch and copied it across.
        const sweep = resultOf<{ sweep: { copied: number; passes: number } }>(done.stdout).sweep;
        expect(sweep.copied).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 1500));
        const a = await toOld.stop();
        await new Promise((r) => setTimeout(r, 1000));
        const b = await toNew!.stop();
        await settle(names);
        // A last sweep for what qmail on old delivered after the cutover's own sweep ended is not
        // needed: after the reroute nothing reaches old's Maildirs.
        const expected = await user.stop();

        expect([...a.failed, ...b.failed]).toEqual([]);
        expect(a.accepted.size).toBeGreaterThan(10);
        expect(b.accepted.size).toBeGreaterThan(5);
        expect(user.actions()).toBeGreaterThan(3);

        const onNew = await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`);
        const onOld = await findTrafficIds(hosts.old.remote, `${hosts.old.home}/domains`);
        const listed = await listIds(`L${RUN}${seed}`);
        const problems: string[] = [];
        for (const [id, rcpt] of [...a.accepted, ...b.accepted]) {
          const route = routeOf.get(rcpt)!;
          if (route.list) {
            const n = listed.filter((l) => l === id).length;
            if (n !== 1) problems.push(`${id} (list): given to the list program ${n} times`);
            continue;
          }
          const files = onNew.get(id) ?? [];
          const want = expected.get(id);
          if (want?.deleted) {
            if (files.length !== 0)
              problems.push(`${id}: deleted by the user, back on new (${files.join(', ')})`);
            continue;
          }
          if (files.length !== 1) {
            const old = onOld.get(id)?.length ?? 0;
            problems.push(`${id} to ${rcpt}: ${files.length} times on new (${old} on old)`);
            continue;
          }
          const file = files[0]!;
          const box = route.mailboxes[0]!.split('@')[0]!;
          if (!file.includes(`/${box}/Maildir/`)) problems.push(`${id}: in the wrong mailbox (${file})`);
          if (want?.trash && !file.includes('/.Trash/'))
            problems.push(`${id}: moved to Trash, back in ${file}`);
          if (!want?.trash && file.includes('/.Trash/')) problems.push(`${id}: in Trash unasked (${file})`);
          if (want?.seen && !/\/cur\/[^/]*:2,[A-Z]*S/.test(file))
            problems.push(`${id}: marked read, unread again (${file})`);
        }
        expect(problems).toEqual([]);

        const bounces = await Promise.all(
          [hosts.old, hosts.new].map((h) =>
            h.sh(`grep '"bounced"' ${h.qmail}/emulator/delivery.log || true`),
          ),
        );
        const ours = bounces
          .flatMap((b) => b.stdout.split('\n'))
          .filter(
            (l) => l && names.some((n) => l.includes(n)) && Number(/"time":(\d+)/.exec(l)?.[1]) >= logMark,
          );
        expect(ours).toEqual([]);

        // A rollback brings back to the source the mail that reached the destination since.
        const back = runLabCli(['cutover', name, ...pair, '--rollback', '--poll-interval', '200'], { state });
        expect(back.code, back.stderr).toBe(0);
        await settle(names);
        const oldAfter = await findTrafficIds(hosts.old.remote, `${hosts.old.home}/domains`);
        const missing = [...b.accepted.keys()].filter(
          (id) => (onNew.get(id)?.length ?? 0) > 0 && (oldAfter.get(id)?.length ?? 0) === 0,
        );
        expect(missing).toEqual([]);
        console.log(
          `seed ${seed}: ${a.accepted.size} to old, ${b.accepted.size} to new, ${user.actions()} user actions, ${listed.length} list messages, ${sweep.copied} swept in ${sweep.passes} pass(es)`,
        );
      } finally {
        // Nothing of this seed may reach the next test: traffic and user stopped, queues empty.
        await Promise.all([toOld?.stop(), toNew?.stop(), user?.stop()]);
        await settle(names).catch(() => undefined);
        await leaveHostsAsFound(hosts, name, state);
      }
    }, 300_000);
  }
});
