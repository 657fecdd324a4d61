/**
 * After `move --from-system`, the commands that follow a move read the source as that move
 * did (the state store recorded it): sync and verify compare the Unix accounts' mail, cutover
 * holds every home that takes the domain's deliveries with its sticky bit, syncs, reroutes and
 * releases them, a rollback takes it back (leaving new's mail there, and saying so), and
 * cleanup closes the domain in rcpthosts while the accounts stay as they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTrafficIds, sendMessage, waitForLocalDeliveries } from '../lab/mail-traffic.js';
import { freshStateDir, resultOf, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';
import { loadSystemDomain, SYSTEM_DOMAIN, SYSTEM_UID_MIN } from '../lab/system-accounts.js';

const pair = ['--from', 'old', '--to', 'new'];
/** The homes that take system.example's deliveries (the fixture's accounts, ~alias, users/assign's). */
const HOMES = [
  '/home/sysann',
  '/home/sysbob',
  '/home/syscarl',
  '/home/sysdora',
  '/home/sysfred',
  '/home/sysshared',
];

interface CutoverJson {
  steps: string[];
  left: string[];
}

describe('sync, verify, cutover, rollback and cleanup of a domain moved with --from-system', () => {
  const hosts = useMailHosts();
  const state = freshStateDir();
  const cli = (...args: string[]) => runLabCli(args, { state });
  const controlFiles = () =>
    hosts.old.sh(
      `cd ${hosts.old.qmail}/control && cat locals morercpthosts; cat smtproutes 2>/dev/null; true`,
    );
  /** The accounts and their homes as a move leaves them: modes, owners, and every file's bytes. */
  const accounts = async () =>
    (
      await hosts.old.sh(
        `find ${HOMES.join(' ')} /var/spool/mail /etc/passwd /etc/shadow -printf '%p %m %U %G %s\\n' | sort; find ${HOMES.join(' ')} -type f -exec sha256sum {} + | sort`,
      )
    ).stdout;
  let control = '';
  let before = '';

  beforeAll(async () => {
    await loadSystemDomain(hosts.old.remote, hosts.old.qmail);
    await hosts.new.vp('vdeldomain', SYSTEM_DOMAIN);
    control = (await controlFiles()).stdout;
    before = await accounts();
  });
  afterAll(async () => {
    // old's control files as they were (a failed step may have left them otherwise), new without the domain.
    await hosts.old.sh(
      `cd ${hosts.old.qmail}/control && sed -i '/^${SYSTEM_DOMAIN}:/d' smtproutes 2>/dev/null; ` +
        `grep -qx ${SYSTEM_DOMAIN} locals || echo ${SYSTEM_DOMAIN} >> locals; ` +
        `grep -qx ${SYSTEM_DOMAIN} morercpthosts || { echo ${SYSTEM_DOMAIN} >> morercpthosts && ../bin/qmail-newmrh; }; chmod -t ${HOMES.join(' ')} ${hosts.old.qmail}/alias`,
    );
    await hosts.new.vp('vdeldomain', SYSTEM_DOMAIN);
  });

  it('syncs and verifies the Unix accounts as the move read them', () => {
    const moved = cli(
      'move',
      SYSTEM_DOMAIN,
      ...pair,
      '--from-system',
      '--uid-min',
      String(SYSTEM_UID_MIN),
      '--skip-unrepresentable',
    );
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    const sync = cli('sync', SYSTEM_DOMAIN, ...pair, '--json');
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(resultOf<{ messagesCopied: number }>(sync.stdout).messagesCopied).toBe(0);
    const verify = cli('verify', SYSTEM_DOMAIN, ...pair, '--checksum', '--json');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const verdict = resultOf<{ problems: number; mailboxes: Array<{ label: string }> }>(verify.stdout);
    expect(verdict.problems).toBe(0);
    // The accounts the move took: sysed's hash new cannot verify left it out, and verify too.
    expect(verdict.mailboxes.map((m) => m.label.split('@')[0]).sort()).toEqual([
      'shared',
      'sysann',
      'sysbob',
      'syscarl',
      'sysdora',
      'sysfred',
    ]);
  });

  it('cuts over: every home held, the final sync, rerouted, released; mail to old then reaches new', async () => {
    const r = cli('cutover', SYSTEM_DOMAIN, ...pair, '--poll-interval', '200', '--json-events');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; target?: string; status?: string; result?: CutoverJson });
    const result = events.find((e) => e.event === 'result')?.result as CutoverJson;
    // Each home that takes the domain's deliveries was held (sticky) and released: two changes each.
    const held = events.filter((e) => e.event === 'change' && e.status === 'applied').map((e) => e.target);
    for (const dir of [...HOMES, `${hosts.old.qmail}/alias`])
      expect(
        held.filter((t) => t === dir),
        dir,
      ).toHaveLength(2);
    expect(result.steps).toEqual([
      'checked',
      'frozen',
      'synced',
      'rerouted',
      'reloaded',
      'unfrozen',
      'swept',
    ]);
    const now = (await controlFiles()).stdout;
    expect(now).toContain(`${SYSTEM_DOMAIN}:${lab().hosts.new.address}`);
    expect(now.split('\n').filter((l) => l === SYSTEM_DOMAIN)).toEqual([SYSTEM_DOMAIN]);
    // Held and released: each home (and ~alias) has its mode back, and nothing else changed.
    expect(await accounts()).toBe(before);
    const id = `syscut-${Date.now().toString(36)}`;
    expect(
      await sendMessage({ host: lab().hosts.old.address, recipient: `sysann@${SYSTEM_DOMAIN}`, id }),
    ).toMatch(/^250 /);
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    let found: string[] = [];
    for (let i = 0; i < 50 && found.length === 0; i++) {
      await waitForLocalDeliveries(hosts.new.remote, hosts.new.qmail);
      found = (await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`)).get(id) ?? [];
      if (found.length === 0) await new Promise((ok) => setTimeout(ok, 200));
    }
    expect(found.map((p) => p.replace(/.*\/(sysann\/Maildir\/new)\/.*/, '$1'))).toEqual([
      'sysann/Maildir/new',
    ]);
  });

  it('rolls back: the domain local on old again, and new keeps what it received, said so', async () => {
    const r = cli('cutover', SYSTEM_DOMAIN, ...pair, '--rollback', '--poll-interval', '200', '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = resultOf<CutoverJson>(r.stdout);
    expect(result.left.join('\n')).toMatch(/stays there: vmigrate does not write into Unix accounts/);
    expect((await controlFiles()).stdout).toBe(control);
    expect(await accounts()).toBe(before);
  });

  it('cleans up after a new cutover: rcpthosts closed, the accounts left as they are and listed', async () => {
    expect(cli('cutover', SYSTEM_DOMAIN, ...pair, '--poll-interval', '200').code).toBe(0);
    const r = cli('cleanup', SYSTEM_DOMAIN, ...pair, '--yes', '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = resultOf<{ removed: string[]; kept: string[] }>(r.stdout);
    expect(result.removed).toEqual([SYSTEM_DOMAIN]);
    expect(result.kept).toContain('sysbob: /home/sysbob/Mailbox');
    expect(result.kept).toContain('sysann: /home/sysann/Maildir');
    // It was in morercpthosts (the fixture's rcpthosts is full): gone, and the cdb qmail-smtpd reads rebuilt.
    const rcpt = await hosts.old.sh(
      `cd ${hosts.old.qmail}/control && grep -cx ${SYSTEM_DOMAIN} rcpthosts morercpthosts; grep -c ${SYSTEM_DOMAIN} morercpthosts.cdb`,
    );
    expect(rcpt.stdout.trim()).toBe('rcpthosts:0\nmorercpthosts:0\n0');
    expect(await accounts()).toBe(before);
  });
});
