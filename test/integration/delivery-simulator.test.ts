/**
 * The lab's mail flow: SMTP into a host, qmail-send's classification, qmail-local's .qmail
 * rules and vdelivermail; the sticky-bit freeze; rerouting through smtproutes to the other
 * host; and proof that each accepted message lands exactly once.
 */
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  findTrafficIds,
  readQueue,
  sendMessage,
  startTraffic,
  waitForLocalDeliveries,
} from '../lab/mail-traffic.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const hosts = useMailHosts();
const run = `r${Date.now().toString(36)}`;
const dirOf = (key: string) => {
  const d = inject('fixture').dirs.users[key];
  if (!d) throw new Error(`no fixture user ${key}`);
  return d;
};
/** The user directory part of a delivered file's path. */
const owner = (path: string) => path.replace(/\/Maildir\/.*$/, '');

async function send(host: 'old' | 'new', recipient: string, id: string) {
  const reply = await sendMessage({ host: lab().hosts[host].address, recipient, id });
  expect(reply, `${recipient} accepted`).toMatch(/^250 ok/);
}

describe('delivery simulator', () => {
  it('delivers where the domain .qmail files, aliases, catch-alls and per-user .qmail say', async () => {
    const cases: [string, string][] = [
      ['alice@example.com', 'alice'],
      ['info@example.com', 'info'],
      ['sales@example.com', 'sales'],
      ['nobody@example.com', 'catchall'],
      ['someone@example.net', 'aliasdomain'],
      ['carol@example.com', 'carol'],
      ['nobody@example.org', 'bounce'],
      ['nobody@catchdel.example', 'delete'],
      ['old-sales@example.com', 'retired'],
      ['help@example.com', 'robot'],
    ];
    for (const [rcpt, id] of cases) await send('old', rcpt, `${run}-${id}`);
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    const found = await findTrafficIds(hosts.old.remote, `${hosts.old.home}/domains`);
    const at = (id: string) => (found.get(`${run}-${id}`) ?? []).map(owner).sort();
    expect(at('alice')).toEqual([dirOf('example.com/alice')]);
    expect(at('info')).toEqual([dirOf('example.com/alice'), dirOf('example.com/bob')]);
    expect(at('sales')).toEqual([dirOf('example.com/john.smith')]);
    expect(at('catchall')).toEqual([dirOf('example.com/support')]);
    expect(at('aliasdomain')).toEqual([dirOf('example.com/support')]);
    expect(at('carol')).toEqual([dirOf('example.com/carol')]);
    expect(at('robot')).toEqual([dirOf('example.com/support')]);
    for (const gone of ['bounce', 'delete', 'retired']) expect(at(gone)).toEqual([]);

    // vdelivermail's names carry the size; files belong to the domain's uid.
    const file = found.get(`${run}-alice`)?.[0] ?? '';
    const st = await hosts.old.sh(`stat -c '%s %u %a' '${file}'`);
    expect(st.stdout).toBe(`${/,S=(\d+)$/.exec(file)?.[1]} ${hosts.old.uid} 600\n`);
    // The bounce is recorded, carol's forward waits for a route out of the lab, the robot ran.
    expect(
      (await hosts.old.sh(`grep -c 'nobody@example.org' ${hosts.old.qmail}/emulator/bounces.log`)).stdout,
    ).not.toBe('0\n');
    expect(
      (await readQueue(hosts.old.remote, hosts.old.qmail)).some(
        (r) => r.address === 'carol@external.example' && !r.done,
      ),
    ).toBe(true);
    expect(
      (
        await hosts.old.sh(
          `grep -c 'autorespond 10000 5 ${dirOf('example.com/alice').replace(/\/alice$/, '')}/HELP/message' /tmp/lab-addons.log`,
        )
      ).stdout,
    ).not.toBe('0\n');
  });

  it('defers a sticky domain (qmail-local exit 111), then delivers once the bit is cleared', async () => {
    const domainDir = inject('fixture').dirs.domains['example.org'];
    await hosts.old.sh(`chmod +t ${domainDir}`);
    try {
      const sent = Date.now();
      await send('old', 'sam@example.org', `${run}-sticky`);
      await new Promise((r) => setTimeout(r, 2500));
      // qmail's retry schedule (at ages of 1 s and 4 s on the lab's clock): tried twice so far.
      const log = await hosts.old.sh(`grep '"deferred"' ${hosts.old.qmail}/emulator/delivery.log`);
      const tries = log.stdout
        .split('\n')
        .filter(
          (l) => l.includes('example.org-sam@example.org') && Number(/"time":(\d+)/.exec(l)?.[1]) >= sent,
        );
      expect(tries).toHaveLength(2);
      const pending = (await readQueue(hosts.old.remote, hosts.old.qmail)).filter(
        (r) => r.address === 'example.org-sam@example.org' && !r.done,
      );
      expect(pending).toHaveLength(1);
      expect(
        (await hosts.old.sh(`grep -c 'Home directory is sticky' ${hosts.old.qmail}/emulator/delivery.log`))
          .stdout,
      ).not.toBe('0\n');
      expect(
        (await findTrafficIds(hosts.old.remote, `${hosts.old.home}/domains`)).get(`${run}-sticky`),
      ).toBeUndefined();
    } finally {
      await hosts.old.sh(`chmod -t ${domainDir}`);
    }
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    const found =
      (await findTrafficIds(hosts.old.remote, `${hosts.old.home}/domains`)).get(`${run}-sticky`) ?? [];
    expect(found.map(owner)).toEqual([dirOf('example.org/sam')]);
  });

  it('relays a domain that is no longer local to the host smtproutes names; mail queued before stays local', async () => {
    const d = `${run}.example`;
    for (const h of [hosts.old, hosts.new]) {
      expect((await h.vp('vadddomain', d, 'pw-reroute')).code).toBe(0);
      expect((await h.vp('vadduser', `rita@${d}`, 'pw-rita-1')).code).toBe(0);
    }
    const oldDir = (await hosts.old.vp('vdominfo', '-d', d)).stdout.trim();
    try {
      // Frozen on old: queued as local, deferred.
      await hosts.old.sh(`chmod +t ${oldDir}`);
      await send('old', `rita@${d}`, `${run}-before`);
      await new Promise((r) => setTimeout(r, 1500));
      // Cut over: not local on old any more (HUP), routed to new; old still accepts it (rcpthosts).
      await hosts.old.sh(
        `sed -i '/^${d}:/d' ${hosts.old.qmail}/control/virtualdomains && echo '${d}:new' >> ${hosts.old.qmail}/control/smtproutes && kill -HUP "$(cat ${hosts.old.qmail}/emulator/qmail-send.pid)"`,
      );
      await new Promise((r) => setTimeout(r, 500));
      await send('old', `rita@${d}`, `${run}-after`);
      await waitForLocalDeliveries(hosts.new.remote, hosts.new.qmail);
      await new Promise((r) => setTimeout(r, 1500));
      await hosts.old.sh(`chmod -t ${oldDir}`);
      await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
      const onOld = await findTrafficIds(hosts.old.remote, oldDir);
      const onNew = await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`);
      expect(onOld.get(`${run}-before`)).toHaveLength(1);
      expect(onNew.get(`${run}-before`)).toBeUndefined();
      expect(onNew.get(`${run}-after`)).toHaveLength(1);
      expect(onOld.get(`${run}-after`)).toBeUndefined();
      expect(
        (await hosts.old.sh(`grep -c '"relayed".*rita@${d}' ${hosts.old.qmail}/emulator/delivery.log`))
          .stdout,
      ).toBe('1\n');
    } finally {
      await hosts.old.sh(`chmod -t ${oldDir}; sed -i '/^${d}:/d' ${hosts.old.qmail}/control/smtproutes`);
      for (const h of [hosts.old, hosts.new]) await h.vp('vdeldomain', d);
    }
  });

  it('puts every message accepted during steady traffic in exactly one mailbox', async () => {
    const recipients = [
      'alice@example.com',
      'sam@example.org',
      'hans@xn--mller-kva.example',
      'u099@big.example',
    ];
    const where: Record<string, string> = {
      'alice@example.com': dirOf('example.com/alice'),
      'sam@example.org': dirOf('example.org/sam'),
      'hans@xn--mller-kva.example': dirOf('xn--mller-kva.example/hans'),
      'u099@big.example': dirOf('big.example/u099'),
    };
    const traffic = startTraffic({
      host: lab().hosts.old.address,
      recipients,
      rate: 8,
      tag: `${run}-steady`,
    });
    await new Promise((r) => setTimeout(r, 3000));
    const report = await traffic.stop();
    expect(report.failed).toEqual([]);
    expect(report.accepted.size).toBeGreaterThanOrEqual(15);
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    const found = await findTrafficIds(hosts.old.remote, `${hosts.old.home}/domains`);
    for (const [id, rcpt] of report.accepted)
      expect((found.get(id) ?? []).map(owner), id).toEqual([where[rcpt]]);
    const strays = [...found.keys()].filter(
      (id) => id.startsWith(`${run}-steady`) && !report.accepted.has(id),
    );
    expect(strays).toEqual([]);
  });
});
