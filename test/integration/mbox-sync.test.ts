/**
 * An mbox on the source synced into a Maildir on the destination through real sshd: every
 * message once, byte for byte, with its flags, date and owner; a second pass sends nothing; mail
 * appended to the mbox, or taken from it by a POP client, changes only what it should.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncMailboxes, type Mailbox } from '../../src/maildir/sync.js';
import { asDelivered, qmailAppend } from '../helpers/mbox.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const SRC = '/home/mboxuser';
const MBOX = `${SRC}/Mailbox`;
const DEST = '/var/tmp/mbox-dest/mboxuser';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('an mbox synced into a Maildir', () => {
  const hosts = useMailHosts();
  const big = `Subject: big\n\n${'0123456789abcdef\n'.repeat(640 * 1024)}`; // 10 MiB, many chunks
  const messages = [
    {
      text: 'Subject: quoted\nStatus: RO\nX-Status: A\n\nFrom the start\n>From once\n>>From twice\n',
      date: 'Mon Nov 30 10:00:00 2026',
    },
    { text: 'Subject: unread\n\nno newline at the end', date: 'Tue Dec  1 11:30:00 2026' },
    { text: big, date: 'Wed Dec  2 12:00:00 2026' },
    { text: 'Subject: twice\n\nthe same message delivered twice\n', date: 'Wed Dec  2 13:00:00 2026' },
    { text: 'Subject: twice\n\nthe same message delivered twice\n', date: 'Wed Dec  2 13:00:00 2026' },
  ];
  const mboxOf = (ms: typeof messages) =>
    ms.map((m) => qmailAppend(m.text, 'bob@example.org', m.date)).join('');
  const writeMbox = async (text: string) => {
    const r = await hosts.old.remote.exec(['sh', '-c', 'mkdir -p "${1%/*}" && cat > "$1"', 'w', MBOX], {
      stdin: Buffer.from(text, 'latin1'),
    });
    expect(r.code).toBe(0);
  };
  let box: Mailbox;
  const pass = () => syncMailboxes(hosts.old.remote, hosts.new.remote, [box]);
  /** Every file of the destination's Maildir: path, mode, owner, mtime and the SHA-256 of its content. */
  const destFiles = async () => {
    const r = await hosts.new.sh(
      `cd ${DEST} && find Maildir -type f -printf '%p %m %U:%G %T@\\n' | sort | while read p m o t; do echo "$p $m $o \${t%.*} $(sha256sum < "$p" | cut -c1-64)"; done`,
    );
    expect(r.code).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  };

  beforeAll(async () => {
    box = {
      label: 'mboxuser@system.example',
      sourceDir: SRC,
      destDir: DEST,
      owner: { uid: hosts.new.uid, gid: hosts.new.gid },
      mbox: MBOX,
    };
    await writeMbox(mboxOf(messages));
    await hosts.new.sh(
      `rm -rf ${DEST} && mkdir -p ${DEST} && chown ${hosts.new.uid}:${hosts.new.gid} ${DEST}`,
    );
  });
  afterAll(async () => {
    await hosts.old.sh(`rm -rf ${SRC}`);
    await hosts.new.sh('rm -rf /var/tmp/mbox-dest');
  });

  it('writes every message once, with its flags, date and the owner of the mail', async () => {
    const out = await pass();
    expect(out.failures).toEqual([]);
    expect(out.results[0]?.messagesCopied).toBe(5);
    const files = await destFiles();
    expect(files).toHaveLength(5);
    const owner = `${hosts.new.uid}:${hosts.new.gid}`;
    const expected = messages.map((m) => {
      const data = asDelivered(m.text.replace(/^Status: RO\nX-Status: A\n/m, ''));
      return { sum: sha(data), time: String(Date.parse(`${m.date.replace(/ +/g, ' ')} UTC`) / 1000) };
    });
    for (const e of expected)
      expect(files.some((f) => f.endsWith(` 600 ${owner} ${e.time} ${e.sum}`))).toBe(true);
    // The answered and read one in cur/ with R and S; the others never read: new/.
    expect(files.filter((f) => f.startsWith('Maildir/cur/'))).toEqual([expect.stringMatching(/:2,RS 600 /)]);
    expect(files.filter((f) => f.startsWith('Maildir/new/'))).toHaveLength(4);
    // The duplicate keeps its own name.
    expect(new Set(files.map((f) => f.split(' ')[0])).size).toBe(5);
    const quoted = await hosts.new.sh(`cat ${DEST}/Maildir/cur/*`);
    expect(quoted.stdout).toBe('Subject: quoted\n\nFrom the start\n>From once\n>>From twice\n');
  });

  it('sends nothing on a second pass', async () => {
    const before = await destFiles();
    const out = await pass();
    expect(out.results[0]?.messagesCopied).toBe(0);
    expect(await destFiles()).toEqual(before);
  });

  it('sends only what was appended, and removes nothing a POP client took from the mbox', async () => {
    const more = { text: 'Subject: later\n\narrived during the move\n', date: 'Thu Dec  3 09:00:00 2026' };
    await writeMbox(mboxOf([...messages.slice(1), more]));
    const out = await pass();
    expect(out.results[0]?.messagesCopied).toBe(1);
    const files = await destFiles();
    expect(files).toHaveLength(6);
    expect(files.some((f) => f.endsWith(sha(more.text)))).toBe(true);
  });

  it('reads a missing mbox as a mailbox without mail, and refuses what is not an mbox', async () => {
    await hosts.old.sh(`rm -f ${MBOX}`);
    const out = await pass();
    expect(out.failures).toEqual([]);
    expect(out.results[0]?.messagesCopied).toBe(0);
    await writeMbox('Return-Path: <a@b>\n\nnot an mbox\n');
    const bad = await pass();
    expect(bad.failures[0]?.error.message).toMatch(/not an mbox/);
  });
});
