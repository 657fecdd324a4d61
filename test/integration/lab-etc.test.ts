/**
 * A lab host keeps its own users and host names when the machine replaces its /etc files by a
 * rename, as a package install that adds a system user does. With bind mounts of the single
 * files, Linux detached them in the host's namespace and the host saw the machine's files: a
 * full test run failed 9 tests (owners shown as UNKNOWN, the sudo user refused).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAB_OPERATOR } from '../lab/lab.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

/** The files a lab host has of its own, replaced on the machine by a copy of themselves. */
const OWN = ['passwd', 'group', 'shadow', 'hosts', 'sudoers'];

describe('a lab host', () => {
  const hosts = useMailHosts();

  const view = async () =>
    (
      await hosts.old.sh(
        `id -u vpopmail; id -u ${LAB_OPERATOR.name}; stat -c %U ${hosts.old.home}; awk '$2 == "new" { print $1 }' /etc/hosts`,
      )
    ).stdout;

  it('keeps its own /etc files when the machine replaces its own by a rename', async () => {
    const expected = [
      String(hosts.old.uid),
      String(LAB_OPERATOR.uid),
      'vpopmail',
      lab().hosts.new.address,
      '',
    ].join('\n');
    expect(await view()).toBe(expected);
    // Same content, new inode: harmless to the machine, and what detached a bind mount. (A
    // file that is itself a mount point, as a container's /etc/hosts may be, cannot be
    // replaced by a rename, and so cannot be detached either.)
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4]);
    const replaced = OWN.filter((name) => existsSync(`/etc/${name}`) && !mounted.includes(`/etc/${name}`));
    expect(replaced).toContain('passwd');
    for (const f of replaced)
      execFileSync('sh', [
        '-c',
        `cp -p /etc/${f} /etc/.${f}.lab-test && mv -f /etc/.${f}.lab-test /etc/${f}`,
      ]);
    expect(await view()).toBe(expected);
  });
});
