/**
 * What vmigrate leaves on the destination is nobody's to change but vpopmail's (and root's,
 * where vpopmail itself leaves root): nothing world-writable, everything in the domain owned
 * by vpopmail, lock and marker files included, even when root's umask there is 000 (a
 * start-up file that sets it, as careless servers have).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLockDir, releaseLockDir } from '../../src/remote/lock-dir.js';
import { runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';
import { setRootShellRc } from '../lab/slow-shell.js';

const DOMAIN = 'example.com';

describe('files vmigrate writes on the destination', () => {
  const hosts = useMailHosts();
  beforeAll(() => setRootShellRc(lab().hosts.new, ['umask 000']));
  afterAll(async () => {
    setRootShellRc(lab().hosts.new, []);
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });

  it('the lab really gives root a umask of 000 there', async () => {
    expect((await hosts.new.sh('umask')).stdout.trim()).toBe('0000');
  });

  it('after a move: nothing world-writable, the domain all vpopmail’s, qmail’s files as vpopmail leaves them', async () => {
    const moved = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new']);
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    const { home, qmail, uid } = hosts.new;
    const dir = (await hosts.new.vp('vdominfo', '-d', DOMAIN)).stdout.split('\n')[0] ?? '';
    expect(dir).toMatch(new RegExp(`^${home}/domains/`));
    const found = await hosts.new.sh(
      [
        `echo '# world-writable'`,
        `find ${home} ${qmail}/control ${qmail}/users -perm -0002 ! -type l -printf '%m %u %p\\n'`,
        `echo '# not vpopmail in the domain'`,
        `find ${dir} ! -uid ${uid} -printf '%m %u %p\\n'`,
        `echo '# vmigrate marker'`,
        `find ${dir}/.vmigrate-origin -printf '%m %U\\n'`,
      ].join('\n'),
    );
    expect(found.stderr).toBe('');
    expect(found.stdout).toBe(
      `# world-writable\n# not vpopmail in the domain\n# vmigrate marker\n600 ${uid}\n`,
    );
  });

  it('a lock on the destination is neither world- nor group-writable', async () => {
    const lock = `${hosts.new.home}/.vmigrate/locks/lock-modes.example`;
    expect(await acquireLockDir(hosts.new.remote, lock, 'test owner')).toEqual({ got: true });
    try {
      const modes = await hosts.new.sh(`find ${hosts.new.home}/.vmigrate -printf '%m %P\\n' | sort -k2`);
      expect(modes.stdout.split('\n')).toEqual([
        '700 ',
        '700 locks',
        '700 locks/lock-modes.example',
        '600 locks/lock-modes.example/owner',
        '',
      ]);
    } finally {
      await releaseLockDir(hosts.new.remote, lock, 'test owner', hosts.new.home);
    }
  });
});
