/** The standard fixture as it stands on `old` after the global setup loaded it. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mailHost, type LabMailHost } from '../helpers/vpopmail.js';

let old: LabMailHost;
const { plan, dirs } = inject('fixture');

beforeAll(async () => {
  old = await mailHost('old');
});
afterAll(async () => old.close());

describe('standard fixture on old', () => {
  it('has every domain and user, made by vpopmail commands', async () => {
    const script = Object.keys(plan.summary.users)
      .map((d) => `echo "== ${d}"; ${old.home}/bin/vuserinfo -n -D ${d}`)
      .join('\n');
    const out = (await old.sh(script)).stdout;
    for (const [domain, users] of Object.entries(plan.summary.users)) {
      const block = out.split(`== ${domain}\n`)[1]?.split('==')[0] ?? '';
      expect(block.trim().split('\n').sort(), domain).toEqual([...users].sort());
    }
    expect((await old.vp('vdominfo', '-n', 'example.net')).stdout).toBe('example.com\nalias: example.net\n');
  });

  it('reaches domain and user hashing and the morercpthosts threshold', async () => {
    expect(dirs.domains['example.com']).toBe(`${old.home}/domains/0/example.com`);
    expect(dirs.domains['example.org']).toBe(`${old.home}/domains/example.org`);
    expect(dirs.users['big.example/u099']).toBe(`${old.home}/domains/big.example/0/u099`);
    const r = await old.sh(
      `wc -l < ${old.qmail}/control/rcpthosts; test -s ${old.qmail}/control/morercpthosts.cdb && echo cdb`,
    );
    expect(r.stdout).toBe('50\ncdb\n');
  });

  it('holds the planned messages in every user Maildir', async () => {
    // Fixture messages carry the source host name; deliveries made by tests do not.
    const r = await old.sh(
      `cd ${old.home}/domains && find . -type f -name '*mail.old.example*' \\( -path '*/cur/*' -o -path '*/new/*' \\) | sed 's#/Maildir/.*##' | sort | uniq -c`,
    );
    const counted = new Map<string, number>();
    for (const line of r.stdout.trim().split('\n')) {
      const [n, rel] = line.trim().split(/\s+/);
      counted.set(`${old.home}/domains/${rel?.slice(2)}`, Number(n));
    }
    for (const [key, n] of Object.entries(plan.summary.messages))
      expect(counted.get(dirs.users[key] ?? ''), key).toBe(n);
  });

  it('belongs to the vpopmail uid:gid, with private modes, and keeps the absolute paths of this host', async () => {
    const r = await old.sh(
      `cd ${old.home}/domains && find . ! -user ${old.uid} | head; echo ---; find . -type d ! -perm 700 | head; echo ---; ` +
        `readlink 0/example.com/.qmail-announce; cat 0/example.com/.qmail-sales`,
    );
    const [notOurs, openDirs, paths] = r.stdout.split('---\n');
    expect(notOurs).toBe('');
    expect(openDirs).toBe('');
    expect(paths).toBe(
      `${dirs.domains['example.com']}/announce/editor\n${dirs.users['example.com/john.smith']}/Maildir/\n`,
    );
  });
});
