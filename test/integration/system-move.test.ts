/**
 * `move --from-system`: the lab's system.example (Unix accounts on old, test/lab/system-accounts.ts)
 * made into a vpopmail domain on new, through real sshd. A hash new's crypt() cannot verify
 * stops the move before anything changes; told to leave such users out, the move carries every
 * other user with its own hash, every message once with its flags (the mboxes converted), each
 * forward, extension and alias delivering where it did, and names what it did not carry.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../helpers/lab-session.js';
import { freshStateDir, resultOf, runLabCli, spawnLabCli } from '../helpers/lab-cli.js';
import { useMailHosts } from '../helpers/vpopmail.js';
import { findTrafficIds, sendMessage, waitForLocalDeliveries } from '../lab/mail-traffic.js';
import {
  loadSystemDomain,
  PREFIX_BOX_MESSAGES,
  PREFIX_CATCHALL_MESSAGES,
  PREFIX_DOMAIN,
  SHARED_MESSAGES,
  SYSTEM_DOMAIN,
  SYSTEM_UID_MIN,
  SYSTEM_USERS,
  type SystemUser,
} from '../lab/system-accounts.js';

const sha = (s: string) => createHash('sha256').update(s, 'latin1').digest('hex');
const MOVE = [
  'move',
  SYSTEM_DOMAIN,
  '--from',
  'old',
  '--to',
  'new',
  '--from-system',
  '--uid-min',
  String(SYSTEM_UID_MIN),
];

/** What each of a user's messages is as a Maildir file on the destination: its SHA-256, and its flags (undefined: in new/). */
function expectedMessages(u: SystemUser): Array<{ sum: string; flags: string | undefined }> {
  const maildir = Object.values(u.maildir ?? {})
    .flat()
    .map((text, i) => ({ sum: sha(text), flags: (i + 1) % 2 ? 'S' : undefined }));
  const mbox = (u.mbox?.messages ?? []).map((m) => {
    const text = m.text.endsWith('\n') ? m.text : `${m.text}\n`;
    const read = m.status?.includes('R') ? 'S' : '';
    return { sum: sha(text), flags: m.status ? read : undefined };
  });
  return [...maildir, ...mbox];
}

describe('move --from-system', () => {
  const hosts = useMailHosts();
  beforeAll(async () => {
    await loadSystemDomain(hosts.old.remote, hosts.old.qmail);
    await hosts.new.vp('vdeldomain', SYSTEM_DOMAIN);
  });
  /** The source's accounts, homes, spool, qmail control and alias files: a move only reads them. */
  const sourceState = async () =>
    (
      await hosts.old.sh(
        `find /home/sys* /var/spool/mail /etc/passwd /etc/shadow /etc/group ${hosts.old.qmail}/control ${hosts.old.qmail}/alias ` +
          `-printf '%p %m %U %G %s %T@\\n' | sort; find /home/sys* /var/spool/mail ${hosts.old.qmail}/alias -type f -exec sha256sum {} + | sort`,
      )
    ).stdout;
  let before = '';
  beforeAll(async () => {
    before = await sourceState();
  });
  // The destination as the other tests expect it: without this domain.
  afterAll(() => hosts.new.vp('vdeldomain', SYSTEM_DOMAIN));

  it('stops before changing anything when the destination cannot verify a hash', async () => {
    const r = runLabCli([...MOVE, '--json']);
    expect(r.code, r.stdout).toBe(5);
    expect(r.stdout).toContain("sysed@system.example: new's crypt() cannot verify its password hash");
    expect((await hosts.new.vp('vdominfo', SYSTEM_DOMAIN)).code).not.toBe(0);
  });

  it('moves every other account: hashes, mail with its flags, forwards, extensions and aliases', async () => {
    const plan = runLabCli([...MOVE, '--skip-unrepresentable', '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Unix accounts');
    expect(plan.stdout).toContain('not carried: account sysgus');
    expect(plan.stdout).toContain("not carried: sysfred's .qmail: |/usr/local/bin/myfilter --user fred");
    expect(plan.stdout).toContain('sysed@system.example left out (--skip-unrepresentable)');

    const r = runLabCli([...MOVE, '--skip-unrepresentable', '--checksum', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const moved = SYSTEM_USERS.filter((u) => !u.foreignHome && u.name !== 'sysed');
    const result = resultOf<{ domains: Array<{ outcome: string }> }>(r.stdout);
    expect(result.domains.map((d) => d.outcome)).toEqual(['ok']);

    // Each user logs in with its old password: the same hash, which new's crypt() verifies.
    const shadow = await hosts.old.sh(`getent shadow ${moved.map((u) => u.name).join(' ')} | cut -d: -f2`);
    const hashes = await Promise.all(
      moved.map((u) => hosts.new.vp('vuserinfo', '-p', `${u.name}@${SYSTEM_DOMAIN}`)),
    );
    expect(hashes.map((h) => h.stdout.trim())).toEqual(shadow.stdout.trim().split('\n'));
    const again = await hosts.new.sh(
      `perl -e 'for (@ARGV) { my ($p, $h) = split /=/, $_, 2; print crypt($p, $h) eq $h ? "yes\\n" : "no\\n" }' ${moved
        .map((u, i) => `'${u.clear}=${hashes[i]?.stdout.trim() ?? ''}'`)
        .join(' ')}`,
    );
    expect(again.stdout.trim().split('\n')).toEqual(moved.map(() => 'yes'));
    expect((await hosts.new.vp('vuserinfo', `sysed@${SYSTEM_DOMAIN}`)).code).not.toBe(0);

    // Every message once, byte for byte, with its flags.
    // Where vpopmail put the domain (hashed below domains/ once a server has many).
    const dir = (await hosts.new.vp('vdominfo', '-d', SYSTEM_DOMAIN)).stdout.trim();
    expect(dir).toMatch(new RegExp(`^${hosts.new.home}/domains/(.+/)?${SYSTEM_DOMAIN.replace('.', '\\.')}$`));
    for (const u of moved) {
      const files = await hosts.new.sh(
        `cd "$(${hosts.new.home}/bin/vuserinfo -d ${u.name}@${SYSTEM_DOMAIN})/Maildir" || exit 1; find . -type f \\( -path '*/cur/*' -o -path '*/new/*' \\) | while read f; do echo "$(sha256sum < "$f" | cut -c1-64) $f"; done`,
      );
      expect(files.code, files.stderr).toBe(0);
      const got = files.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [sum = '', path = ''] = l.split(' ');
          return { sum, flags: path.includes('/new/') ? undefined : (/:2,(.*)$/.exec(path)?.[1] ?? '') };
        });
      const sortBy = (a: { sum: string }, b: { sum: string }) => (a.sum < b.sum ? -1 : 1);
      expect(got.sort(sortBy), u.name).toEqual(expectedMessages(u).sort(sortBy));
    }

    // The shared mailbox users/assign delivered into: a user of its own, locked (no account logged in).
    expect((await hosts.new.vp('vuserinfo', '-p', `shared@${SYSTEM_DOMAIN}`)).stdout.trim()).toBe('!');
    const shared = await hosts.new.sh(
      `cd "$(${hosts.new.home}/bin/vuserinfo -d shared@${SYSTEM_DOMAIN})/Maildir/cur" && cat * | sha256sum | cut -c1-64`,
    );
    expect(shared.stdout.trim()).toBe(sha(SHARED_MESSAGES.join('')));
    // The Maildir++ quota of ann's Maildir is her quota.
    expect((await hosts.new.vp('vuserinfo', '-q', `sysann@${SYSTEM_DOMAIN}`)).stdout.trim()).toBe(
      '52428800S,5000C',
    );

    expect(before).toMatch(/^\/home\/sysbob\/Mailbox 600 5002 5002 11141432 /m);
    expect(await sourceState()).toBe(before);

    // Forwards, extensions and ~alias files deliver where qmail delivered them on old.
    const run = `s${Date.now().toString(36)}`;
    const cases: Array<[string, string[]]> = [
      [`info@${SYSTEM_DOMAIN}`, ['sysbob/Maildir/new']],
      [`postmaster@${SYSTEM_DOMAIN}`, ['sysann/Maildir/new']],
      [`sysann-lists@${SYSTEM_DOMAIN}`, ['sysann/Maildir/.Lists/new']],
      [`syscarl@${SYSTEM_DOMAIN}`, ['sysann/Maildir/new', 'syscarl/Maildir/new']],
      [`sysdora@${SYSTEM_DOMAIN}`, ['sysdora/Maildir/new']],
      // users/assign: sales through fred's .qmail-sales, shared into its own mailbox.
      [`sales@${SYSTEM_DOMAIN}`, ['sysann/Maildir/new', 'sysfred/Maildir/.Sales/new']],
      [`shared@${SYSTEM_DOMAIN}`, ['shared/Maildir/new']],
    ];
    for (const [rcpt] of cases)
      expect(
        await sendMessage({ host: lab().hosts.new.address, recipient: rcpt, id: `${run}-${rcpt}` }),
      ).toMatch(/^250 ok/);
    await waitForLocalDeliveries(hosts.new.remote, hosts.new.qmail);
    const found = await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`);
    for (const [rcpt, where] of cases)
      expect(
        (found.get(`${run}-${rcpt}`) ?? [])
          .map((p) => p.slice(dir.length + 1).replace(/\/[^/]+$/, ''))
          .sort(),
        rcpt,
      ).toEqual(where);
  });

  it('gives a new password, written down first, to the account whose hash new cannot verify; the same one again', async () => {
    await hosts.new.vp('vdeldomain', SYSTEM_DOMAIN);
    const state = freshStateDir();
    const first = runLabCli([...MOVE, '--new-passwords'], { state });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const dir = join(state, 'new-passwords');
    const [file] = readdirSync(dir);
    expect(file).toBe('system.example-new.txt');
    const path = join(dir, file ?? '');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(first.stdout).toContain(
      `sysed@system.example: a new random password (its old hash cannot be used on new), in ${path}`,
    );
    expect(first.stdout).toContain(
      `shared@system.example: a new random password (no account logged into its mailbox), in ${path}`,
    );
    const line = readFileSync(path, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('sysed@'));
    const [, clear = '', hash = ''] = (line ?? '').split('\t');
    expect(clear).toMatch(/^[./0-9A-Za-z]{20}$/);
    expect((await hosts.new.vp('vuserinfo', '-p', `sysed@${SYSTEM_DOMAIN}`)).stdout.trim()).toBe(hash);
    const check = await hosts.new.remote.exec(
      ['perl', '-e', 'my ($p, $h) = split / /, <STDIN>; print crypt($p, $h) eq $h ? "yes" : "no"'],
      {
        stdin: `${clear} ${hash}`,
      },
    );
    expect(check.stdout.toString()).toBe('yes');
    // Never in the run's log or output.
    expect(first.log).not.toContain(clear);
    expect(first.stdout + first.stderr).not.toContain(clear);

    const again = runLabCli([...MOVE, '--new-passwords'], { state });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('no changes needed');
    expect(readFileSync(path, 'utf8')).toContain(`sysed@system.example\t${clear}\t${hash}`);
  });

  it('moves a domain control/virtualdomains hands to a prefix: its .qmail files are its addresses', async () => {
    await hosts.new.vp('vdeldomain', PREFIX_DOMAIN);
    const state = freshStateDir();
    const prefixMove = ['move', PREFIX_DOMAIN, '--from', 'old', '--to', 'new', '--from-system'];
    const plan = runLabCli([...prefixMove, '--dry-run'], { state });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('not carried: /home/sysvirt/.qmail-px-run: |/usr/bin/true');
    expect(plan.stdout).toContain(
      '/home/sysvirt/.qmail-px-default: every other address of prefix.example is delivered to the mailbox sysvirt@prefix.example',
    );
    try {
      const r = runLabCli([...prefixMove, '--new-passwords', '--checksum'], { state });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(
        'box@prefix.example: a new random password (no account logged into its mailbox)',
      );
      const dir = (await hosts.new.vp('vdominfo', '-d', PREFIX_DOMAIN)).stdout.trim();
      // The forward to a bare name goes where qmail sent it: the name at old's envnoathost (me).
      const info = await hosts.new.sh(`cat ${dir}/.qmail-info`);
      expect(info.stdout).toBe('&sysann@system.example\n&joe@old.lab.example\n');
      const box = await hosts.new.sh(
        `cd "$(${hosts.new.home}/bin/vuserinfo -d box@${PREFIX_DOMAIN})/Maildir/new" && cat * | sha256sum | cut -c1-64`,
      );
      expect(box.stdout.trim()).toBe(sha(PREFIX_BOX_MESSAGES.join('')));
      // The catch-all: vdelivermail into the mailbox .qmail-px-default delivered to, with its mail.
      const sysvirt = (await hosts.new.vp('vuserinfo', '-d', `sysvirt@${PREFIX_DOMAIN}`)).stdout.trim();
      expect((await hosts.new.sh(`cat ${dir}/.qmail-default`)).stdout).toBe(
        `| ${hosts.new.home}/bin/vdelivermail '' ${sysvirt}\n`,
      );
      const caught = await hosts.new.sh(`cat ${sysvirt}/Maildir/new/* | sha256sum | cut -c1-64`);
      expect(caught.stdout.trim()).toBe(sha(PREFIX_CATCHALL_MESSAGES.join('')));
      const id = `px-${Date.now().toString(36)}`;
      expect(
        await sendMessage({ host: lab().hosts.new.address, recipient: `nobody@${PREFIX_DOMAIN}`, id }),
      ).toMatch(/^250 ok/);
      await waitForLocalDeliveries(hosts.new.remote, hosts.new.qmail);
      const found = (await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`)).get(id) ?? [];
      expect(found.map((f) => f.startsWith(`${sysvirt}/Maildir/new/`))).toEqual([true]);
      const [line] = readFileSync(join(state, 'new-passwords', `${PREFIX_DOMAIN}-new.txt`), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('box@'));
      expect((await hosts.new.vp('vuserinfo', '-p', `box@${PREFIX_DOMAIN}`)).stdout.trim()).toBe(
        line?.split('\t')[2],
      );
    } finally {
      await hosts.new.vp('vdeldomain', PREFIX_DOMAIN);
    }
  });

  it('continues after kill -9 in the transfer with what the run recorded (the accounts, the choices)', async () => {
    await hosts.new.vp('vdeldomain', SYSTEM_DOMAIN);
    const state = freshStateDir();
    // The relay: what this tests is the system source's resume (direct-move.test.ts kills the direct path).
    const child = spawnLabCli(
      [...MOVE, '--skip-unrepresentable', '--data-path', 'relay', '--concurrency', '1', '--json-events'],
      {
        state,
      },
    );
    let killed = false;
    child.stdout.on('data', (d: string) => {
      if (!killed && /"event":"mailbox-done".*"messagesCopied":[1-9]/.test(d)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    const first = await child.result;
    expect(killed, first.stdout + first.stderr).toBe(true);
    expect(first.code).toBeNull();
    // The dead controller may still look alive to a check right after the kill: try a few times.
    let r = runLabCli(['resume', '--json'], { state });
    for (let i = 0; i < 20 && /still being driven/.test(r.stdout + r.stderr); i++) {
      await new Promise((ok) => setTimeout(ok, 250));
      r = runLabCli(['resume', '--json'], { state });
    }
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = resultOf<{
      domains: Array<{ outcome: string; verify: Array<{ label: string; problems: unknown[] }> }>;
    }>(r.stdout);
    expect(result.domains.map((d) => d.outcome)).toEqual(['ok']);
    const verdicts = result.domains[0]?.verify ?? [];
    expect(verdicts.flatMap((v) => v.problems)).toEqual([]);
    expect(new Set(verdicts.map((v) => v.label.split('@')[0]))).toEqual(
      new Set([
        ...SYSTEM_USERS.filter((u) => !u.foreignHome && u.name !== 'sysed').map((u) => u.name),
        'shared',
      ]),
    );
  });
});
