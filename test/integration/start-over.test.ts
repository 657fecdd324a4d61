/**
 * Starting over on the destination with the same state store: the domain removed there (or
 * one user) and the move run again. Every message must arrive again. The ledger of what
 * vmigrate copied outlived the mailboxes it described, and took each message it once copied for
 * one a user had deleted: the move copied nothing and its verification, trusting the same
 * ledger, found no difference. What a user deletes on the destination stays deleted.
 * Messages are counted on both hosts here, not through vmigrate's own verification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { addDomainWithUsers, dropFromNew, useMailHosts, type LabMailHost } from '../helpers/vpopmail.js';

const DOMAIN = 'startover.example';
const state = freshStateDir();
const move = () => {
  const r = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new'], { state });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.stdout;
};

/** Each message as user/Maildir/…, sorted: the same on both hosts for a small domain. */
async function messages(h: LabMailHost): Promise<string[]> {
  const r = await h.sh(
    `cd "$(${h.home}/bin/vdominfo -d ${DOMAIN} | head -n 1)" && ` +
      `find . -type f \\( -path '*/Maildir/cur/*' -o -path '*/Maildir/new/*' \\) -printf '%P\\n' | sort`,
  );
  return r.stdout.split('\n').filter(Boolean);
}

describe('starting over on the destination', () => {
  const hosts = useMailHosts();
  beforeAll(async () => {
    await addDomainWithUsers(hosts.old, DOMAIN, ['u1', 'u2']);
    const lines = ['u1', 'u2'].flatMap((u) => [
      `m=$(${hosts.old.home}/bin/vuserinfo -d ${u}@${DOMAIN})/Maildir`,
      ...[1, 2, 3].map(
        (i) => `printf 'Subject: ${i}\\n\\nbody ${u} ${i}\\n' > "$m/cur/170000000${i}.1.old:2,S"`,
      ),
      `printf 'Subject: new\\n\\nnew\\n' > "$m/new/1700000009.1.old"`,
      `chown -R ${hosts.old.uid}:${hosts.old.gid} "$m"`,
    ]);
    await hosts.old.sh(lines.join('\n'));
  });
  afterAll(async () => {
    await hosts.old.vp('vdeldomain', '-f', DOMAIN);
    await dropFromNew(hosts, DOMAIN);
  });

  it('copies every message again once the domain, or a user, was removed there', async () => {
    const source = await messages(hosts.old);
    expect(source).toHaveLength(8);
    move();
    expect(await messages(hosts.new)).toEqual(source);

    await hosts.new.vp('vdeldomain', '-f', DOMAIN);
    expect(move()).toContain('8 message(s) copied');
    expect(await messages(hosts.new)).toEqual(source);

    await hosts.new.vp('vdeluser', `u2@${DOMAIN}`);
    expect(move()).toContain('4 message(s) copied');
    expect(await messages(hosts.new)).toEqual(source);
  });

  it('still leaves deleted what a user deleted on the destination', async () => {
    const gone = (await messages(hosts.new)).find((m) => m.startsWith('u1/Maildir/cur/'));
    expect(gone).toBeDefined();
    await hosts.new.sh(`cd "$(${hosts.new.home}/bin/vdominfo -d ${DOMAIN} | head -n 1)" && rm '${gone}'`);
    expect(move()).toContain('0 message(s) copied');
    expect(await messages(hosts.new)).toEqual((await messages(hosts.old)).filter((m) => m !== gone));
  });
});
