/**
 * Delivery files with odd content on the source: CRLF line ends, no final newline, a line
 * longer than vpopmail's 159-character reads, a program line in shell syntax that names a path
 * of the domain. Each arrives byte for byte, but for the domain's path, rewritten for the
 * destination, even inside the program line; and nothing of it is run on either host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLabCli } from '../helpers/lab-cli.js';
import { addDomainWithUsers, dropFromNew, useMailHosts, type LabMailHost } from '../helpers/vpopmail.js';

const DOMAIN = 'odd-qmail.example';

const domainDir = async (h: LabMailHost) =>
  (await h.vp('vdominfo', '-d', DOMAIN)).stdout.split('\n')[0] ?? '';

/** The files, with `D` standing for the domain's directory. */
const FILES: Record<string, string> = {
  crlf: `&al@${DOMAIN}\r\nD/al/Maildir/\r\n`,
  nonl: `&al@${DOMAIN}`,
  long: `&${'a'.repeat(300)}@${DOMAIN}\n`,
  prog: '| if [ "$SENDER" = x ]; then exit 99; fi; cat > /dev/null; echo "$(date)" >> D/al/ran\n',
};

describe('odd delivery files on the source', () => {
  const hosts = useMailHosts();
  beforeAll(async () => {
    await addDomainWithUsers(hosts.old, DOMAIN, ['al']);
    const d = await domainDir(hosts.old);
    for (const [name, text] of Object.entries(FILES)) {
      const file = `${d}/.qmail-${name}`;
      await hosts.old.remote.exec(['sh', '-c', 'cat > "$1" && chown 89:89 "$1"', 'sh', file], {
        stdin: text.replaceAll('D/', `${d}/`),
      });
    }
  });
  afterAll(async () => {
    await hosts.old.vp('vdeldomain', '-f', DOMAIN);
    await dropFromNew(hosts, DOMAIN);
  });

  it('arrive byte for byte, with the domain path rewritten, and run nowhere', async () => {
    const r = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const d = await domainDir(hosts.new);
    for (const [name, text] of Object.entries(FILES)) {
      const got = await hosts.new.remote.exec(['cat', `${d}/.qmail-${name}`]);
      expect(got.stdout.toString('latin1'), name).toBe(text.replaceAll('D/', `${d}/`));
    }
    for (const h of [hosts.old, hosts.new])
      expect((await h.sh(`ls ${await domainDir(h)}/al/ran 2>/dev/null; true`)).stdout).toBe('');
  });
});
