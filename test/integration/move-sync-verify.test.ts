/**
 * The Maildir engine through the CLI, against the standard fixture: move, verify --checksum,
 * sync after nothing changed, after flag changes and new -> cur moves, and after new mail.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { TransferReport } from '../../src/migration/transfer.js';
import { sendMessage, waitForLocalDeliveries } from '../lab/mail-traffic.js';
import { freshStateDir, runLabCli, resultOf } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';

/** One state store for the file: --delete relies on what earlier runs recorded as copied. */
const state = freshStateDir();

function cli(...args: string[]) {
  return runLabCli(args, { state });
}

function syncReport(...extra: string[]): TransferReport {
  const r = cli('sync', DOMAIN, '--from', 'old', '--to', 'new', '--json', ...extra);
  expect(r.code, r.stderr).toBe(0);
  return resultOf<TransferReport>(r.stdout);
}

function verify(...extra: string[]) {
  return cli('verify', DOMAIN, '--from', 'old', '--to', 'new', ...extra);
}

describe('move, sync and verify', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1`);
  });

  it('moves a domain: every message, flag combination, odd folder and IMAP file arrives, owned by the destination', async () => {
    const r = cli('move', DOMAIN, '--from', 'old', '--to', 'new', '--checksum');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/No differences \(contents compared by SHA-256\)/);

    const v = verify('--checksum', '--json');
    expect(v.code, v.stdout).toBe(0);
    expect(resultOf<{ problems: number }>(v.stdout).problems).toBe(0);

    // Where each host keeps alice: the destination chose its own hash buckets.
    const aliceDir = async (h: typeof hosts.old) =>
      (await h.vp('vuserinfo', '-d', `alice@${DOMAIN}`)).stdout.trim();
    const listing = (dir: string) =>
      `cd ${dir} && find Maildir -name tmp -prune -o -printf '%p %s\\n' | sort`;
    const oldAlice = await hosts.old.sh(listing(await aliceDir(hosts.old)));
    const newAlice = await hosts.new.sh(listing(await aliceDir(hosts.new)));
    expect(oldAlice.stdout).toContain('Maildir/cur/');
    // Everything but the quota file vpopmail rebuilt is byte for byte the same set of names and sizes.
    const drop = (s: string) =>
      s
        .split('\n')
        .filter((l) => !l.startsWith('Maildir/maildirsize '))
        .join('\n');
    expect(drop(newAlice.stdout)).toBe(drop(oldAlice.stdout));
    expect(newAlice.stdout).toMatch(/Maildir\/\.Entw&APw-rfe\/cur\//);
    expect(newAlice.stdout).toMatch(/Maildir\/\.My Stuff\/cur\//);
    expect(newAlice.stdout).toMatch(/Maildir\/courierimapkeywords\/:list/);

    const domainDir = (await hosts.new.vp('vdominfo', '-d', DOMAIN)).stdout.split('\n')[0] ?? '';
    expect(domainDir).toMatch(/example\.com$/);
    const owners = await hosts.new.sh(
      `find ${domainDir} ! -user ${hosts.new.uid} -print; find ${domainDir} -path '*/tmp/*' -print`,
    );
    expect(owners.stdout).toBe('');
  });

  it('sends no message content on a second sync', () => {
    const s = syncReport();
    expect(s).toMatchObject({ messagesCopied: 0, contentBytes: 0, renamed: 0, failures: [] });
  });

  it('gives a user whose Maildir is gone on the destination a whole one again, owned and moded as the source has it', async () => {
    const dirOf = async (h: typeof hosts.old) =>
      (await h.vp('vuserinfo', '-d', `bob@${DOMAIN}`)).stdout.trim();
    const bob = await dirOf(hosts.new);
    await hosts.new.sh(`rm -rf ${bob}/Maildir`);
    // A store that never copied it: with this file's, what is gone would be taken for the user's deletions.
    const r = runLabCli(['sync', DOMAIN, '--from', 'old', '--to', 'new', '--json'], {
      state: freshStateDir(),
    });
    expect(r.code, r.stderr).toBe(0);
    const stat = (dir: string) => `stat -c '%u %a' ${dir}/Maildir`;
    expect((await hosts.new.sh(stat(bob))).stdout).toBe(
      `${hosts.new.uid} ${(await hosts.old.sh(stat(await dirOf(hosts.old)))).stdout.split(' ')[1]}`,
    );
    const v = verify('--json');
    expect(resultOf<{ problems: number }>(v.stdout).problems).toBe(0);
  });

  it('locks the destination before reading it, so that a batch left running there has ended', () => {
    const r = cli('sync', DOMAIN, '--from', 'old', '--to', 'new', '--json');
    expect(r.code, r.stderr).toBe(0);
    const log = /^log: (.+)$/m.exec(r.stderr)?.[1];
    expect(log, r.stderr).toBeDefined();
    const onNew = readFileSync(log!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; host?: string; cmd?: string })
      .filter((l) => l.msg === 'spawn' && l.host === 'new')
      .map((l) => l.cmd ?? '');
    const locked = onNew.findIndex((c) => c.includes('.vmigrate/locks'));
    const read = onNew.findIndex((c) => c.startsWith('sh -s ') && c.includes(DOMAIN));
    expect(locked).toBeGreaterThanOrEqual(0);
    expect(read).toBeGreaterThan(locked);
  });

  it('turns flag changes and new -> cur moves on the source into renames, sending no content', async () => {
    const dir = `${(await hosts.old.vp('vuserinfo', '-d', `alice@${DOMAIN}`)).stdout.trim()}/Maildir`;
    const moved = await hosts.old.sh(
      [
        `cd ${dir}`,
        // Mark the first two read messages replied, and read the first new one.
        'n=0; for f in cur/*:2,*; do n=$((n+1)); [ $n -le 2 ] || break; mv "$f" "${f}R"; done',
        'f=$(ls new | head -n 1); [ -n "$f" ] && mv "new/$f" "cur/$f:2,S"; echo "$f"',
      ].join('\n'),
    );
    expect(moved.code).toBe(0);
    const s = syncReport();
    expect(s).toMatchObject({ messagesCopied: 0, contentBytes: 0, failures: [] });
    expect(s.renamed).toBe(moved.stdout.trim() === '' ? 2 : 3);
    expect(verify('--checksum').code).toBe(0);
  });

  it('copies exactly the messages delivered on the source since', async () => {
    for (const [i, rcpt] of ['alice', 'bob', 'carol'].entries()) {
      const reply = await sendMessage({
        host: lab().hosts.old.address,
        recipient: `${rcpt}@${DOMAIN}`,
        id: `sync-${i}`,
      });
      expect(reply).toMatch(/^250 ok/);
    }
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    // carol forwards (per-user .qmail) and keeps a copy: every delivery lands in a Maildir on old.
    const before = verify('--json');
    expect(before.code).toBe(3);
    const missing = resultOf<{ problems: number }>(before.stdout).problems;
    expect(missing).toBeGreaterThanOrEqual(3);
    const s = syncReport();
    expect(s.messagesCopied).toBe(missing);
    expect(verify('--checksum').code).toBe(0);
  });

  it('with --delete removes what the source deleted since vmigrate copied it, never mail delivered on the destination', async () => {
    const dirOn = async (h: typeof hosts.old) =>
      `${(await h.vp('vuserinfo', '-d', `bob@${DOMAIN}`)).stdout.trim()}/Maildir`;
    const [oldDir, newDir] = [await dirOn(hosts.old), await dirOn(hosts.new)];
    const gone = (await hosts.old.sh(`cd ${oldDir}/cur && ls | head -n 2`)).stdout.trim().split('\n');
    expect(gone).toHaveLength(2);
    // Set aside, not deleted: the fixture must be left as found for the other test files.
    const aside = '/tmp/vmigrate-delete-test';
    await hosts.old.sh(
      `mkdir -p ${aside}; ` + gone.map((g) => `mv '${oldDir}/cur/${g}' ${aside}/`).join('; '),
    );
    onTestFinished(async () => {
      await hosts.old.sh(`mv ${aside}/* '${oldDir}/cur/' && rmdir ${aside}`);
    });
    const local = '1800000000.M1P1.new.lab.example';
    await hosts.new.sh(
      `printf 'Subject: delivered on new\\n\\nhello\\n' > ${newDir}/new/${local}; chown ${hosts.new.uid}:${hosts.new.gid} ${newDir}/new/${local}`,
    );
    const unique = (name: string) => name.split(':')[0] ?? name;
    const present = async () => (await hosts.new.sh(`ls ${newDir}/cur ${newDir}/new`)).stdout;

    // Without --delete nothing goes.
    expect(syncReport()).toMatchObject({ deleted: 0, messagesCopied: 0 });
    for (const g of gone) expect(await present()).toContain(unique(g));

    const s = syncReport('--delete');
    expect(s).toMatchObject({ deleted: 2, messagesCopied: 0, failures: [] });
    const after = await present();
    for (const g of gone) expect(after).not.toContain(unique(g));
    expect(after).toContain(local);
    expect(syncReport('--delete')).toMatchObject({ deleted: 0 });
    expect(verify('--checksum').code).toBe(0);
  });

  it('once users work on the destination, a sync --delete undoes none of their work (the runbook trial)', async () => {
    const dirOn = async (h: typeof hosts.old) =>
      `${(await h.vp('vuserinfo', '-d', `dave@${DOMAIN}`)).stdout.trim()}/Maildir`;
    const [oldDir, newDir] = [await dirOn(hosts.old), await dirOn(hosts.new)];
    const names = (await hosts.new.sh(`cd ${newDir} && find cur new -type f | sort`)).stdout
      .trim()
      .split('\n');
    expect(names.length).toBeGreaterThanOrEqual(2);
    const [read, trashed] = names as [string, string];
    const unique = (p: string) => (p.split('/').pop() ?? p).split(':')[0]!;
    // On new, as a user's IMAP client would: one message marked read (or unread again), one
    // moved to Trash.
    // Seen set, or cleared if it was set.
    const info = read.split(':2,')[1] ?? '';
    const flagged = `cur/${unique(read)}:2,${info.includes('S') ? info.replace('S', '') : `${info}S`}`;
    const userWork = await hosts.new.sh(
      [
        `cd ${newDir}`,
        `mv '${read}' '${flagged}'`,
        `mkdir -p .Trash/cur .Trash/new .Trash/tmp`,
        `mv '${trashed}' '.Trash/cur/${unique(trashed)}:2,S'`,
        `chown -R ${hosts.new.uid}:${hosts.new.gid} .Trash`,
      ].join(' && '),
    );
    expect(userWork.code, userWork.stderr).toBe(0);
    const before = (
      await hosts.new.sh(`cd ${newDir} && find . -path ./tmp -prune -o -type f -printf '%P\n' | sort`)
    ).stdout;
    // Meanwhile on old, the same message changed too (read and replied there).
    const onOld = await hosts.old.sh(
      `cd ${oldDir} && f=$(find cur new -name '${unique(read)}*' | head -n 1) && mv "$f" 'cur/${unique(read)}:2,RS'`,
    );
    expect(onOld.code, onOld.stderr).toBe(0);
    onTestFinished(async () => {
      await hosts.old.sh(
        `cd ${oldDir} && [ -e 'cur/${unique(read)}:2,RS' ] && mv 'cur/${unique(read)}:2,RS' '${read}'; true`,
      );
    });

    // alice's IMAP uid list: the destination's server appended to it, and so did the source's.
    const aliceOn = async (h: typeof hosts.old) =>
      `${(await h.vp('vuserinfo', '-d', `alice@${DOMAIN}`)).stdout.trim()}/Maildir/courierimapuiddb`;
    const [oldUids, newUids] = [await aliceOn(hosts.old), await aliceOn(hosts.new)];
    expect(
      (
        await hosts.old.sh(
          `cp -p ${oldUids} /tmp/vmigrate-uids.aside && echo '2 1700000099 71' >> ${oldUids} && touch -d @1800000000 ${oldUids}`,
        )
      ).code,
    ).toBe(0);
    onTestFinished(async () => {
      await hosts.old.sh(`mv -f /tmp/vmigrate-uids.aside ${oldUids}`);
    });
    expect((await hosts.new.sh(`echo '2 1700000050 80' >> ${newUids}`)).code).toBe(0);
    const serverUids = (await hosts.new.sh(`cat ${newUids}`)).stdout;

    const s = syncReport('--delete');
    expect(s.failures).toEqual([]);
    expect((await hosts.new.sh(`cat ${newUids}`)).stdout).toBe(serverUids);
    expect(s.keptOnDestination).toContainEqual({
      label: `alice@${DOMAIN}`,
      path: 'Maildir/courierimapuiddb',
      why: expect.stringMatching(/changed on both sides/) as string,
    });
    // dave's mailbox alone (the earlier tests of this file put messages back on old elsewhere).
    const dave = s.mailboxes.find((m) => m.label === `dave@${DOMAIN}`);
    expect(dave).toMatchObject({ messagesCopied: 0, renamed: 0, deleted: 0, leftOut: 1 });
    expect(dave?.kept.map((k) => k.path)).toEqual([`Maildir/${flagged}`]);
    expect(s.keptOnDestination.filter((k) => k.label === `dave@${DOMAIN}`)).toHaveLength(1);
    const after = (
      await hosts.new.sh(`cd ${newDir} && find . -path ./tmp -prune -o -type f -printf '%P\n' | sort`)
    ).stdout;
    expect(after).toBe(before);
    // And verify calls none of it a difference, naming what users did there.
    const v = verify('--checksum');
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/^2 message\(s\) changed, moved or deleted by users on the destination/m);
  });

  it('compresses the stream with --compress, and the messages still arrive intact', async () => {
    const carol = (await hosts.new.vp('vuserinfo', '-d', `carol@${DOMAIN}`)).stdout.trim();
    expect((await hosts.new.sh(`rm -f ${carol}/Maildir/cur/* ${carol}/Maildir/new/*`)).code).toBe(0);
    // A store that never copied carol's mail: with this file's store, her messages removed on
    // the destination would count as deleted there by her, and would not be sent again.
    // Through the controller: what crossed it is what the relay counts.
    const r = runLabCli(
      ['sync', DOMAIN, '--from', 'old', '--to', 'new', '--compress', '--data-path', 'relay', '--json'],
      { state: freshStateDir() },
    );
    expect(r.code, r.stderr).toBe(0);
    const s = resultOf<TransferReport>(r.stdout);
    expect(s.messagesCopied).toBeGreaterThan(0);
    // Text messages shrink: fewer bytes crossed the controller than the messages weigh.
    expect(s.streamBytes).toBeLessThan(s.contentBytes);
    expect(verify('--checksum').code).toBe(0);
  });
});

describe('a 300 MB mailbox', () => {
  const hosts = useMailHosts();
  const D = 'big-mailbox.example';
  afterAll(async () => {
    for (const h of [hosts.old, hosts.new]) await h.sh(`${h.home}/bin/vdeldomain -f ${D} >/dev/null 2>&1`);
  });

  it('moves while the controller stays under 200 MB of peak RSS', async () => {
    expect((await hosts.old.vp('vadddomain', D, 'pw-big-123456789')).code).toBe(0);
    expect((await hosts.old.vp('vadduser', `huge@${D}`, 'pw-huge-123456789')).code).toBe(0);
    const dir = (await hosts.old.vp('vuserinfo', '-d', `huge@${D}`)).stdout.trim();
    // 150 incompressible 2 MiB messages, as the fixture's owner would have them.
    const made = await hosts.old.sh(
      [
        `cd ${dir}/Maildir/cur`,
        'i=0; while [ $i -lt 150 ]; do',
        '  head -c 2097152 /dev/urandom > "17000$i.$i.lab,S=2097152:2,S"; i=$((i+1))',
        'done',
        `chown -R ${hosts.old.uid}:${hosts.old.gid} ${dir}`,
        'du -sm . | cut -f1',
      ].join('\n'),
    );
    expect(Number(made.stdout.trim())).toBeGreaterThanOrEqual(300);

    const r = cli('move', D, '--from', 'old', '--to', 'new');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/150 message\(s\) copied/);
    const end = r.log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; maxRssKiB?: number })
      .find((e) => e.msg === 'end');
    expect(end?.maxRssKiB).toBeGreaterThan(0);
    expect(end?.maxRssKiB).toBeLessThan(200 * 1024);
  }, 300_000);
});
