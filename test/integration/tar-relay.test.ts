/** The tree relay between two lab hosts: ownership from the archive, and failures that end. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayTree } from '../../src/maildir/tar-relay.js';
import { useMailHosts } from '../helpers/vpopmail.js';

describe('relayTree', () => {
  const hosts = useMailHosts();
  beforeAll(async () => {
    await hosts.old.sh(
      'rm -rf /tmp/relay-src && mkdir -p "/tmp/relay-src/a b/c" && printf x > "/tmp/relay-src/a b/c/f" && touch -d @1700000000 "/tmp/relay-src/a b/c/f" && chmod 640 "/tmp/relay-src/a b/c/f"',
    );
    await hosts.new.sh('rm -rf /tmp/relay-dst && mkdir /tmp/relay-dst');
  });
  afterAll(async () => {
    await hosts.old.sh('rm -rf /tmp/relay-src');
    await hosts.new.sh('rm -rf /tmp/relay-dst');
  });

  it('copies exactly the listed members, owned as asked, with modes and mtimes', async () => {
    await relayTree(hosts.old.remote, hosts.new.remote, {
      sourceBase: '/tmp/relay-src',
      destBase: '/tmp/relay-dst',
      members: ['a b', 'a b/c', 'a b/c/f'],
      owner: { uid: hosts.new.uid, gid: hosts.new.gid },
    });
    const r = await hosts.new.sh(
      'cd /tmp/relay-dst && find . -mindepth 1 -printf "%p %m %U %G\\n" | sort; stat -c %Y "a b/c/f"',
    );
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `./a b 755 ${hosts.new.uid} ${hosts.new.gid}`,
      `./a b/c 755 ${hosts.new.uid} ${hosts.new.gid}`,
      `./a b/c/f 640 ${hosts.new.uid} ${hosts.new.gid}`,
      '1700000000',
    ]);
  });

  it('fails with the remote tar message, without hanging, when a member is missing or the destination is gone', async () => {
    await expect(
      relayTree(hosts.old.remote, hosts.new.remote, {
        sourceBase: '/tmp/relay-src',
        destBase: '/tmp/relay-dst',
        members: ['no-such-file'],
        owner: { uid: hosts.new.uid, gid: hosts.new.gid },
      }),
    ).rejects.toThrow(/tar -c on old failed: .*no-such-file/);
    await expect(
      relayTree(hosts.old.remote, hosts.new.remote, {
        sourceBase: '/tmp/relay-src',
        destBase: '/tmp/relay-dst/missing',
        members: ['a b'],
        owner: { uid: hosts.new.uid, gid: hosts.new.gid },
      }),
    ).rejects.toThrow(/tar -x on new failed: .*missing/);
  });
});
