/**
 * A source that tries to break a move: Maildir names holding a TAB, a newline, a backslash,
 * quotes, a leading dash, command substitutions or bytes that are not UTF-8, a folder whose
 * name holds a newline, and a link in the domain's files that points out of the domain and
 * later becomes a directory. Each name is copied
 * exactly, compared exactly, and nothing is written outside the destination's domain.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferReport } from '../../src/migration/transfer.js';
import { freshStateDir, runLabCli, resultOf } from '../helpers/lab-cli.js';
import { useMailHosts, type LabMailHost } from '../helpers/vpopmail.js';

const DOMAIN = 'hostile.example';
const OUTSIDE = '/tmp/hostile-outside';
const state = freshStateDir();
const cli = (...args: string[]) => runLabCli(args, { state });

/** printf formats (octal escapes) of the odd names, relative to the user directory. */
const ODD = [
  'Maildir/cur/1700000001.1.o\\011ld,S=6:2,S',
  'Maildir/cur/1700000003.1.o\\012ld,S=6:2,S',
  'Maildir/cur/1700000004.1.o\\377ld,S=6:2,S',
  'Maildir/cur/1700000005.1.o\\134ld,S=6:2,S',
  'Maildir/cur/1700000006.1.o ld,S=6:2,S',
  'Maildir/.a\\012b/cur/1700000002.1.old,S=6:2,S',
  'Maildir/cur/-1700000007.1.old,S=6:2,S',
  'Maildir/cur/1700000008.1.o\\047ld\\042,S=6:2,S',
  'Maildir/cur/1700000009.1.$(touch vmigrate-pwned),S=6:2,S',
  'Maildir/new/1700000011.1.`touch vmigrate-pwned`;touch vmigrate-pwned',
];

async function userDir(h: LabMailHost): Promise<string> {
  return (await h.vp('vuserinfo', '-d', `u1@${DOMAIN}`)).stdout.trim();
}

async function domainDir(h: LabMailHost): Promise<string> {
  return (await h.vp('vdominfo', '-d', DOMAIN)).stdout.split('\n')[0] ?? '';
}

/** Every name and size under a Maildir (quota file aside), NUL-safe, as one digest. */
async function maildirDigest(h: LabMailHost): Promise<string> {
  const r = await h.sh(
    `cd '${await userDir(h)}' && find Maildir -name tmp -prune -o ! -name maildirsize -printf '%p %s\\0' | sort -z | od -An -c | sha256sum`,
  );
  return r.stdout;
}

describe('a hostile source', () => {
  const hosts = useMailHosts();
  beforeAll(async () => {
    await hosts.old.vp('vadddomain', DOMAIN, 'dom-pass-12345');
    await hosts.old.vp('vadduser', `u1@${DOMAIN}`, 'user-pass-12345');
    const dir = await userDir(hosts.old);
    const { uid, gid } = hosts.old;
    await hosts.old.sh(
      [
        `cd '${dir}'`,
        `mkdir -p "$(printf 'Maildir/.a\\012b')/cur" "$(printf 'Maildir/.a\\012b')/new" "$(printf 'Maildir/.a\\012b')/tmp"`,
        ...ODD.map((f) => `printf 'hello\\n' > "$(printf '${f}')"`),
        `chown -R ${uid}:${gid} Maildir`,
      ].join(' && '),
    );
  });
  afterAll(async () => {
    await hosts.old.vp('vdeldomain', '-f', DOMAIN);
    await hosts.new.vp('vdeldomain', '-f', DOMAIN);
    await hosts.new.sh(`rm -rf ${OUTSIDE}`);
  });

  it('copies and verifies every odd name exactly; a second sync copies nothing', async () => {
    const made = await hosts.old.sh(
      `cd '${await userDir(hosts.old)}' && find Maildir -type f -printf x | wc -c`,
    );
    expect(made.stdout.trim()).toBe(String(ODD.length));
    const r = cli('move', DOMAIN, '--from', 'old', '--to', 'new', '--checksum');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(await maildirDigest(hosts.new)).toBe(await maildirDigest(hosts.old));
    const again = cli('sync', DOMAIN, '--from', 'old', '--to', 'new', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(resultOf<TransferReport>(again.stdout)).toMatchObject({ messagesCopied: 0, renamed: 0 });
    // Nothing the names hold ran, on either host or here.
    for (const h of [hosts.old, hosts.new])
      expect((await h.sh('find / -xdev -name vmigrate-pwned 2>/dev/null')).stdout).toBe('');
    expect(existsSync('vmigrate-pwned')).toBe(false);
  });

  it('finds a changed message whose name holds a backslash, and names a newline exactly', async () => {
    const dir = await userDir(hosts.new);
    await hosts.new.sh(`printf 'HELLO' | dd of="$(printf '${dir}/${ODD[3]}')" bs=1 conv=notrunc 2>/dev/null`);
    await hosts.new.sh(`printf 'HELLO' | dd of="$(printf '${dir}/${ODD[1]}')" bs=1 conv=notrunc 2>/dev/null`);
    const v = cli('verify', DOMAIN, '--from', 'old', '--to', 'new', '--checksum');
    expect(v.code, v.stdout).toBe(3);
    expect(v.stdout).toContain('2 difference(s)');
    expect(v.stdout).toContain('Maildir/cur/1700000005.1.o\\ld,S=6:2,S: content differs');
    expect(v.stdout).toContain("$'Maildir/cur/1700000003.1.o\\nld,S=6:2,S': content differs");
  });

  it('does not recreate a link that points out of the domain, and never writes through one', async () => {
    const oldDomain = await domainDir(hosts.old);
    await hosts.new.sh(`mkdir -p ${OUTSIDE}`);
    await hosts.old.sh(`cd ${oldDomain} && mkdir -p lists && ln -s ${OUTSIDE} lists/tl`);
    const plan = cli('plan', DOMAIN, '--from', 'old', '--to', 'new');
    expect(plan.stdout).toContain(
      `${oldDomain}/lists/tl is a symbolic link to ${OUTSIDE}, outside the domain: not recreated on the destination`,
    );
    const moved = cli('move', DOMAIN, '--from', 'old', '--to', 'new');
    expect(moved.code, moved.stderr + moved.stdout).toBe(0);
    const newDomain = await domainDir(hosts.new);
    expect((await hosts.new.sh(`test -e ${newDomain}/lists/tl || echo absent`)).stdout).toBe('absent\n');

    // As an earlier vmigrate left it: the link recreated on the destination. Then the source
    // replaces it with a directory holding a file.
    await hosts.new.sh(`ln -s ${OUTSIDE} ${newDomain}/lists/tl`);
    await hosts.old.sh(
      `cd ${oldDomain} && rm lists/tl && mkdir lists/tl && echo x > lists/tl/f && chown -R ${hosts.old.uid}:${hosts.old.gid} lists`,
    );
    const again = cli('move', DOMAIN, '--from', 'old', '--to', 'new');
    expect(again.code, again.stderr + again.stdout).toBe(0);
    const r = await hosts.new.sh(
      `ls -A ${OUTSIDE}; stat -c '%F' ${newDomain}/lists/tl; cat ${newDomain}/lists/tl/f`,
    );
    expect(r.stdout).toBe('directory\nx\n');
  });

  it("names a message vpopmail cannot read (mode 0000, root's), copies it as it is, and goes on", async () => {
    const name = 'Maildir/cur/1700000010.1.closed,S=6:2,S';
    await hosts.old.sh(
      `cd '${await userDir(hosts.old)}' && printf 'hello\\n' > ${name} && chmod 000 ${name}`,
    );
    const r = cli('move', DOMAIN, '--from', 'old', '--to', 'new');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^1 message\(s\) on the source whose mode lets not even their owner read them/m);
    expect(r.stdout).toContain(`u1@${DOMAIN} ${name}: mode 0000`);
    const there = await hosts.new.sh(`stat -c '%a %U %s' '${await userDir(hosts.new)}/${name}'`);
    expect(there.stdout).toBe('0 vpopmail 6\n');
    expect(await maildirDigest(hosts.new)).toBe(await maildirDigest(hosts.old));
  });

  it('refuses a destination without vpopmail as a precondition (exit 5), before any lock', () => {
    const r = cli('move', DOMAIN, '--from', 'old', '--to', 'jump');
    const said = `${r.stdout}${r.stderr}`;
    expect(r.code, said).toBe(5);
    expect(said).toMatch(/jump: no vpopmail user or directory found/);
    expect(said).not.toMatch(/lock/);
  });
});
