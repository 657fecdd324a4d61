/**
 * The quota file vmigrate counts after a copy is the one vpopmail would count (spec §4.7): the
 * messages of `cur` and `new` of the Maildir and of every folder but `.Trash`, each weighing
 * what `,S=` in its name says, or what the file holds when the name says nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotaFilesCommand } from '../../src/vpopmail/quota-rebuild.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'quota-count.example';
const QUOTA = '1000000S';

describe('quota files', () => {
  const hosts = useMailHosts();
  let dir = '';

  beforeAll(async () => {
    const h = hosts.new;
    await h.vp('vdeldomain', DOMAIN);
    expect((await h.vp('vadddomain', DOMAIN, 'pw')).code).toBe(0);
    expect((await h.vp('vadduser', '-q', QUOTA, `ann@${DOMAIN}`, 'pw')).code).toBe(0);
    dir = (await h.vp('vuserinfo', '-d', `ann@${DOMAIN}`)).stdout.trim();
    const put = (path: string, bytes: number) =>
      `mkdir -p "$(dirname '${dir}/Maildir/${path}')" && head -c ${bytes} /dev/zero > '${dir}/Maildir/${path}'`;
    const script = [
      put('cur/1.a.host,S=5000:2,S', 100), // the name's size, not the file's
      put('new/2.b.host', 123), // no size in the name: the file's
      put('.Sent/cur/3.c.host,S=70:2,S', 70),
      put('.Trash/cur/4.d.host,S=999:2,', 999), // .Trash is not counted
      put('courierimapuiddb', 40), // not a message
      `chown -R ${h.uid}:${h.gid} '${dir}/Maildir'`,
    ].join('\n');
    expect((await h.sh(script)).code).toBe(0);
  });

  afterAll(async () => {
    await hosts.new.vp('vdeldomain', DOMAIN);
  });

  it('counts sizes from the names, and from the file only when the name has none, as vpopmail does', async () => {
    const h = hosts.new;
    const cmd = quotaFilesCommand([{ quota: QUOTA, dir }], { uid: h.uid, gid: h.gid });
    if (!cmd) throw new Error('no command for a user under a quota');
    const ran = await h.remote.exec(cmd.argv, { stdin: cmd.stdin });
    expect(ran.stderr).toBe('');
    const read = async () => (await h.sh(`cat '${dir}/Maildir/maildirsize'`)).stdout;
    const counted = await read();
    expect(counted).toBe(`${QUOTA}\n5193 3\n`);
    expect((await h.sh(`stat -c %u:%g '${dir}/Maildir/maildirsize'`)).stdout.trim()).toBe(
      `${h.uid}:${h.gid}`,
    );
    // vpopmail's own count of the same Maildir.
    expect((await h.vp('vmoduser', '-q', QUOTA, `ann@${DOMAIN}`)).code).toBe(0);
    expect(await read()).toBe(counted);
  });

  it('writes nothing from a list cut on its way (a controller killed while sending it)', async () => {
    const h = hosts.new;
    // The user directory itself: a path the cut list below ends in, one a quota file must never be written into.
    const cmd = quotaFilesCommand([{ quota: QUOTA, dir }], { uid: h.uid, gid: h.gid });
    if (!cmd) throw new Error('no command for a user under a quota');
    const whole = cmd.stdin;
    for (const cut of [whole.slice(0, whole.indexOf('/Maildir')), whole.slice(0, whole.indexOf('@@end'))]) {
      await h.sh(`rm -f '${dir}/maildirsize' '${dir}/Maildir/maildirsize'`);
      const ran = await h.remote.exec(cmd.argv, { stdin: cut });
      expect(ran.code, JSON.stringify(cut)).toBe(1);
      expect(ran.stderr).toMatch(/arrived incomplete/);
      expect((await h.sh(`ls '${dir}' '${dir}/Maildir'`)).stdout).not.toMatch(/maildirsize/);
    }
  });
});
