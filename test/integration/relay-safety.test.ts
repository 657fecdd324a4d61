/**
 * What a relay's destination end may never do, whatever reaches it: write a file through a
 * symbolic link, or let a writer of an earlier attempt -- frozen, then woken up with half a
 * stream -- truncate a message that a later attempt completed.
 */
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractorArgv, relayTree } from '../../src/maildir/tar-relay.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const SRC = '/tmp/relay-safety-src';
const DST = '/tmp/relay-safety-dst';
const OUTSIDE = '/tmp/relay-safety-outside';
const MESSAGE = 'Maildir/cur/1700000000.1.old,S=13208:2,S';

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the destination end of a relay', () => {
  const hosts = useMailHosts();
  const owner = () => ({ uid: hosts.new.uid, gid: hosts.new.gid });
  /** What the source's end sends for these members of SRC, owned as on the destination. */
  // As a stream of many mailboxes (`placed`) carries them: below SRC's place in its parent.
  const archiveOf = async (members: string[], placed = false) =>
    (
      await hosts.old.remote.run([
        'tar',
        '-c',
        `--owner=:${hosts.new.uid}`,
        `--group=:${hosts.new.gid}`,
        '--no-recursion',
        '-C',
        placed ? dirname(SRC) : SRC,
        ...members.map((m) => (placed ? `${basename(SRC)}/${m}` : m)),
      ])
    ).stdout;
  beforeAll(async () => {
    await hosts.old.sh(
      `rm -rf ${SRC} && mkdir -p ${SRC}/Maildir/cur ${SRC}/Maildir/.Sent/cur && ` +
        `head -c 13208 /dev/urandom > '${SRC}/${MESSAGE}' && echo sent > '${SRC}/Maildir/.Sent/cur/2.old:2,S'`,
    );
  });
  afterAll(async () => {
    await hosts.old.sh(`rm -rf ${SRC}`);
    await hosts.new.sh(`rm -rf ${DST} ${OUTSIDE}`);
  });

  it('never writes through a symbolic link on the destination, and names it', async () => {
    await hosts.new.sh(
      `rm -rf ${DST} ${OUTSIDE} && mkdir -p ${DST}/Maildir ${OUTSIDE} && ln -s ${OUTSIDE} ${DST}/Maildir/.Sent`,
    );
    await expect(
      relayTree(hosts.old.remote, hosts.new.remote, {
        sourceBase: SRC,
        destBase: DST,
        members: ['Maildir/.Sent', 'Maildir/.Sent/cur', 'Maildir/.Sent/cur/2.old:2,S'],
        owner: owner(),
      }),
    ).rejects.toThrow(/Maildir\/\.Sent is a symbolic link on the destination: nothing is written through it/);
    // Also when only the file is sent and its parent is the link.
    await expect(
      relayTree(hosts.old.remote, hosts.new.remote, {
        sourceBase: SRC,
        destBase: DST,
        members: ['Maildir/.Sent/cur/2.old:2,S'],
        owner: owner(),
      }),
    ).rejects.toThrow(/symbolic link/);
    const r = await hosts.new.sh(`find ${OUTSIDE} -mindepth 1; ls -a ${DST}`);
    // Nothing outside; no staging directory left behind.
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['.', '..', 'Maildir']);
  });

  it('in a stream of many mailboxes, moves each into its own directory and none through a link', async () => {
    // Two users on the source (below one domain directory), placed elsewhere on the destination;
    // the second user's directory there is a link out of the domain.
    await hosts.old.sh(
      `rm -rf ${SRC}-dom && mkdir -p ${SRC}-dom/a ${SRC}-dom/0 && cp -a ${SRC} ${SRC}-dom/a/u1 && cp -a ${SRC} ${SRC}-dom/0/u2`,
    );
    await hosts.new.sh(
      `rm -rf ${DST} ${OUTSIDE} && mkdir -p ${DST}/1/u1 ${OUTSIDE} && ln -s ${OUTSIDE} ${DST}/u2 && ` +
        `chown -R ${hosts.new.uid}:${hosts.new.gid} ${DST}`,
    );
    const job = {
      sourceBase: `${SRC}-dom`,
      destBase: DST,
      owner: owner(),
      members: [
        'a/u1/Maildir',
        'a/u1/Maildir/cur',
        `a/u1/${MESSAGE}`,
        '0/u2/Maildir',
        '0/u2/Maildir/cur',
        `0/u2/${MESSAGE}`,
      ],
    };
    await expect(
      relayTree(hosts.old.remote, hosts.new.remote, {
        ...job,
        targets: [
          { archived: 'a/u1', dest: `${DST}/1/u1` },
          { archived: '0/u2', dest: `${DST}/u2` },
        ],
      }),
    ).rejects.toThrow(/u2 is a symbolic link on the destination: nothing is written through it/);
    const r = await hosts.new.sh(
      `find ${OUTSIDE} -mindepth 1; ls -a ${DST}; stat -c '%u %s' '${DST}/1/u1/${MESSAGE}'`,
    );
    // The first user's part arrived whole and owned; nothing outside; no stage left.
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['.', '..', '1', 'u2', `${hosts.new.uid} 13208`]);
    await hosts.old.sh(`rm -rf ${SRC}-dom`);
  });

  describe('places a stream as the destination had it, whatever does the placing', () => {
    // The destination as vpopmail leaves it (owned by the mail's owner), with one existing
    // file that the stream replaces; the stream brings a new folder (with the source's mode,
    // not one a umask gives) and a message. Existing directories keep their modes.
    const members = ['Maildir/.Sent', 'Maildir/.Sent/cur', 'Maildir/.Sent/cur/2.old:2,S', MESSAGE];
    const state = `cd ${DST} && find . -path ./.vmigrate-stage.\\* -prune -o -type d -printf '%p %M %U:%G\\n' -o -printf '%p %M %U:%G %s\\n'; find ${OUTSIDE} -mindepth 1`;
    const prepare = (extra = '') =>
      hosts.new.sh(
        `rm -rf ${DST} ${OUTSIDE} && mkdir -p ${DST}/Maildir/cur ${DST}/Maildir/new ${OUTSIDE} && ` +
          `echo old > '${DST}/${MESSAGE}' && chmod 711 ${DST}/Maildir/new && ` +
          `chown -R ${hosts.new.uid}:${hosts.new.gid} ${DST} && chmod 700 ${DST}/Maildir/.Sent 2>/dev/null; ${extra}`,
      );
    const expected = () => {
      const o = `${hosts.new.uid}:${hosts.new.gid}`;
      return [
        `. drwxr-xr-x ${o}`,
        `./Maildir drwxr-xr-x ${o}`,
        `./Maildir/.Sent drwxr-x--- ${o}`,
        `./Maildir/.Sent/cur drwxr-xr-x ${o}`,
        `./Maildir/.Sent/cur/2.old:2,S -rw-r--r-- ${o} 5`,
        `./Maildir/cur drwxr-xr-x ${o}`,
        `./${MESSAGE} -rw-r--r-- ${o} 13208`,
        `./Maildir/new drwx--x--x ${o}`,
      ].sort();
    };
    beforeAll(async () => {
      // A chroot that is not allowed, as in a container without CAP_SYS_CHROOT.
      await hosts.new.sh(
        'mkdir -p /tmp/no-chroot && printf "#!/bin/sh\\nexit 125\\n" > /tmp/no-chroot/chroot && chmod 755 /tmp/no-chroot/chroot',
      );
      await hosts.old.sh(
        `chmod 750 ${SRC}/Maildir/.Sent && chmod 755 ${SRC}/Maildir/.Sent/cur && chmod 644 ${SRC}/Maildir/.Sent/cur/* '${SRC}/${MESSAGE}'`,
      );
    });
    afterAll(() => hosts.new.sh('rm -rf /tmp/no-chroot'));

    it.each([
      ['in a stream of many mailboxes, by hard links, as the owner', true, [] as string[], ''],
      ['in a stream of one mailbox, by rename', false, [] as string[], ''],
      [
        'in a stream of many mailboxes, by rename where chroot is refused',
        true,
        ['env', 'PATH=/tmp/no-chroot:/usr/sbin:/usr/bin:/sbin:/bin'],
        '',
      ],
      [
        'in a stream of many mailboxes, by rename where root made a directory the owner may not write',
        true,
        [],
        `chown root:root ${DST}/Maildir/cur`,
      ],
    ])('%s', async (_what, placed, prefix, extra) => {
      await prepare(extra);
      const targets = placed ? [{ archived: basename(SRC), dest: DST }] : undefined;
      const argv = extractorArgv({ destBase: DST, owner: owner(), ...(targets ? { targets } : {}) });
      const r = await hosts.new.remote.run([...prefix, ...argv], { stdin: await archiveOf(members, placed) });
      expect(r.stderr.toString()).toBe('');
      const want = expected().map((l) =>
        extra !== '' && l.startsWith('./Maildir/cur ') ? l.replace(/\d+:\d+/, '0:0') : l,
      );
      expect((await hosts.new.sh(state)).stdout.split('\n').filter(Boolean).sort()).toEqual(want);
      // Each message whole and the only copy: no stage left, nothing shares its inode.
      const links = await hosts.new.sh(
        `stat -c %h '${DST}/${MESSAGE}' '${DST}/Maildir/.Sent/cur/2.old:2,S'; ls -a ${DST}`,
      );
      expect(links.stdout).toBe('1\n1\n.\n..\nMaildir\n');
    });
  });

  describe('a Maildir that arrives whole into the empty one vadduser made', () => {
    // Three users on the destination as vadduser leaves them (lastauth, an empty Maildir): the
    // first (with the quota file vadduser writes, counted again after the copy) gets its
    // Maildir by one rename; the second got a message after the listing, and is
    // placed beside it; the third's cur is a link out of the domain, and nothing goes through it.
    const users = { u1: '0/u1', u2: 'u2', u3: '1/u3', u4: '2/u4', u5: 'u5' };
    const skeleton = (dir: string) =>
      `mkdir -p ${dir}/Maildir/cur ${dir}/Maildir/new ${dir}/Maildir/tmp && printf 0.0.0.0 > ${dir}/lastauth`;
    const members = (at: string) =>
      ['Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp', MESSAGE].map((m) => `${at}/${m}`);
    const fresh = (...names: Array<keyof typeof users>) =>
      relayTree(hosts.old.remote, hosts.new.remote, {
        sourceBase: `${SRC}-dom`,
        destBase: DST,
        owner: owner(),
        members: names.flatMap((n) => members(n)),
        targets: names.map((n) => ({ archived: n, dest: `${DST}/${users[n]}`, fresh: true })),
      });
    beforeAll(async () => {
      await hosts.old.sh(
        `rm -rf ${SRC}-dom && mkdir -p ${SRC}/Maildir/new ${SRC}/Maildir/tmp ${SRC}-dom && ` +
          Object.keys(users)
            .map((n) => `cp -a ${SRC} ${SRC}-dom/${n}`)
            .join(' && '),
      );
      await hosts.new.sh(
        `rm -rf ${DST} ${OUTSIDE} && mkdir -p ${OUTSIDE} && ` +
          Object.values(users)
            .map((d) => skeleton(`${DST}/${d}`))
            .join(' && ') +
          ` && printf '52428800S\\n0 0\\n' > ${DST}/0/u1/Maildir/maildirsize` +
          ` && printf '52428800S\\n0 0\\n' > ${DST}/2/u4/Maildir/maildirsize` +
          ` && echo delivered > ${DST}/u2/Maildir/new/1700000009.1.new && rmdir ${DST}/1/u3/Maildir/cur && ` +
          `ln -s ${OUTSIDE} ${DST}/1/u3/Maildir/cur && chown -R ${hosts.new.uid}:${hosts.new.gid} ${DST} && ` +
          `find ${DST} -type d -exec chmod 700 {} +`,
      );
    });
    afterAll(() => hosts.old.sh(`rm -rf ${SRC}-dom`));

    it('renames one that is still empty, and places one that got mail beside it', async () => {
      const inodes = `stat -c %i ${DST}/0/u1/Maildir ${DST}/u2/Maildir`;
      const [u1Before, u2Before] = (await hosts.new.sh(inodes)).stdout.split('\n');
      await fresh('u1', 'u2');
      const [u1After, u2After] = (await hosts.new.sh(inodes)).stdout.split('\n');
      expect(u1After).not.toBe(u1Before);
      expect(u2After).toBe(u2Before);
      const o = `${hosts.new.uid}:${hosts.new.gid}`;
      const r = await hosts.new.sh(
        `cd ${DST} && find 0 u2 -printf '%p %M %U:%G %s %n\n' | grep -v ' d' | sort; ls -a ${DST}`,
      );
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([
        `0/u1/${MESSAGE} -rw-r--r-- ${o} 13208 1`,
        `0/u1/lastauth -rw-r--r-- ${o} 7 1`,
        `u2/${MESSAGE} -rw-r--r-- ${o} 13208 1`,
        `u2/Maildir/new/1700000009.1.new -rw-r--r-- ${o} 10 1`,
        `u2/lastauth -rw-r--r-- ${o} 7 1`,
        '.',
        '..',
        '0',
        '1',
        '2',
        'u2',
        'u5',
      ]);
      // The renamed Maildir and its directories are the owner's, with the source's modes.
      const dirs = await hosts.new.sh(`cd ${DST}/0/u1 && find . -type d -printf '%p %M %U:%G\n' | sort`);
      expect(dirs.stdout.split('\n').filter(Boolean)).toEqual([
        `. drwx------ ${o}`,
        `./Maildir drwxr-xr-x ${o}`,
        `./Maildir/cur drwxr-xr-x ${o}`,
        `./Maildir/new drwxr-xr-x ${o}`,
        `./Maildir/tmp drwxr-xr-x ${o}`,
      ]);
    });

    it('renames every one of a stream whose Maildirs are all still empty, and leaves nothing staged', async () => {
      const inodes = `stat -c %i ${DST}/2/u4/Maildir ${DST}/u5/Maildir`;
      const before = (await hosts.new.sh(inodes)).stdout.split('\n').filter(Boolean);
      await fresh('u4', 'u5');
      const after = (await hosts.new.sh(inodes)).stdout.split('\n').filter(Boolean);
      expect(after).toHaveLength(2);
      expect(after.filter((i) => before.includes(i))).toEqual([]);
      const o = `${hosts.new.uid}:${hosts.new.gid}`;
      const r = await hosts.new.sh(
        `cd ${DST} && find 2 u5 -printf '%p %M %U:%G\n' | sort; ls -a ${DST} | grep -c vmigrate-stage`,
      );
      expect(r.stdout.split('\n').filter(Boolean)).toEqual([
        `2 drwx------ ${o}`,
        `2/u4 drwx------ ${o}`,
        `2/u4/Maildir drwxr-xr-x ${o}`,
        `2/u4/Maildir/cur drwxr-xr-x ${o}`,
        `2/u4/${MESSAGE} -rw-r--r-- ${o}`,
        `2/u4/Maildir/new drwxr-xr-x ${o}`,
        `2/u4/Maildir/tmp drwxr-xr-x ${o}`,
        `2/u4/lastauth -rw-r--r-- ${o}`,
        `u5 drwx------ ${o}`,
        `u5/Maildir drwxr-xr-x ${o}`,
        `u5/Maildir/cur drwxr-xr-x ${o}`,
        `u5/${MESSAGE} -rw-r--r-- ${o}`,
        `u5/Maildir/new drwxr-xr-x ${o}`,
        `u5/Maildir/tmp drwxr-xr-x ${o}`,
        `u5/lastauth -rw-r--r-- ${o}`,
        '0',
      ]);
    });

    it('writes nothing through a link in the empty Maildir, and names it', async () => {
      await expect(fresh('u3')).rejects.toThrow(/cur is a symbolic link on the destination/);
      const r = await hosts.new.sh(`find ${OUTSIDE} -mindepth 1; ls -a ${DST}/1/u3/Maildir`);
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['.', '..', 'cur', 'new', 'tmp']);
    });
  });

  it.each([
    ['vanished', '', /Maildir\/\.Sent vanished on the destination during the copy/],
    [
      'became a file',
      `echo x > ${DST}/Maildir/.Sent`,
      /Maildir\/\.Sent exists on the destination and is not a directory/,
    ],
  ])(
    'does not recreate a folder that %s on the destination since its listing, and places the rest',
    async (_what, change, message) => {
      // Only the message is sent into .Sent (the listing saw the folder there): its parent in
      // the stage is tar's, not the archive's.
      await hosts.new.sh(
        `rm -rf ${DST} && mkdir -p ${DST}/Maildir/cur && ${change || 'true'} && chown -R ${hosts.new.uid}:${hosts.new.gid} ${DST}`,
      );
      await expect(
        relayTree(hosts.old.remote, hosts.new.remote, {
          sourceBase: SRC,
          destBase: DST,
          members: ['Maildir/.Sent/cur/2.old:2,S', MESSAGE],
          owner: owner(),
        }),
      ).rejects.toThrow(message);
      const r = await hosts.new.sh(`cd ${DST} && find . | sort; stat -c %s '${MESSAGE}'`);
      expect(r.stdout).toBe(
        [
          '.',
          './Maildir',
          ...(change ? ['./Maildir/.Sent'] : []),
          './Maildir/cur',
          `./${MESSAGE}`,
          '13208',
          '',
        ].join('\n'),
      );
    },
  );

  it('replaces a symbolic link that stands where a message goes, without following it', async () => {
    await hosts.new.sh(
      `rm -rf ${DST} ${OUTSIDE} && mkdir -p ${DST}/Maildir/cur ${OUTSIDE} && echo keep > ${OUTSIDE}/f && ln -s ${OUTSIDE}/f '${DST}/${MESSAGE}'`,
    );
    await relayTree(hosts.old.remote, hosts.new.remote, {
      sourceBase: SRC,
      destBase: DST,
      members: [MESSAGE],
      owner: owner(),
    });
    const r = await hosts.new.sh(`cat ${OUTSIDE}/f; stat -c '%F %s %u' '${DST}/${MESSAGE}'`);
    expect(r.stdout).toBe(`keep\nregular file 13208 ${hosts.new.uid}\n`);
  });

  it('a writer frozen with half a stream and woken after a retry completed the message changes nothing', async () => {
    await hosts.new.sh(`rm -rf ${DST} && mkdir -p ${DST}/Maildir/cur`);
    const archive = await archiveOf([MESSAGE]);
    // The first attempt's extractor: frozen (as a stopped sshd session leaves it) before it
    // reads the header and the first 3,072 bytes of the message.
    const stale = await hosts.new.remote.spawn(extractorArgv({ destBase: DST, owner: owner() }));
    stale.stdout.resume();
    const tarPid = await until('the first extractor', async () => {
      const r = await hosts.new.sh(`pgrep -f 'tar -x -C ${DST}/.vmigrate-stage' || true`);
      return r.stdout.trim().split('\n')[0] || undefined;
    });
    await hosts.new.sh(`kill -STOP ${tarPid}`);
    stale.stdin.write(archive.subarray(0, 512 + 3072));

    // The retry: the whole message arrives.
    await relayTree(hosts.old.remote, hosts.new.remote, {
      sourceBase: SRC,
      destBase: DST,
      members: [MESSAGE],
      owner: owner(),
    });
    const whole = await hosts.new.sh(
      `sha256sum < '${DST}/${MESSAGE}'; stat -c '%s %u:%g' '${DST}/${MESSAGE}'`,
    );
    const expected = await hosts.old.sh(`sha256sum < '${SRC}/${MESSAGE}'`);
    expect(whole.stdout).toBe(`${expected.stdout}13208 ${hosts.new.uid}:${hosts.new.gid}\n`);

    // The first attempt wakes up, and its stream ends short.
    await hosts.new.sh(`kill -CONT ${tarPid}`);
    stale.stdin.end();
    const st = await stale.done;
    expect(st.code).not.toBe(0);
    const after = await hosts.new.sh(
      `sha256sum < '${DST}/${MESSAGE}'; stat -c '%s %u:%g' '${DST}/${MESSAGE}'; ls -a ${DST}`,
    );
    expect(after.stdout).toBe(`${whole.stdout}.\n..\nMaildir\n`);
  });
});
