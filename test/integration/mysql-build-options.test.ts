/**
 * vpopmail's MySQL build options (spec 11). Aliases in the valias table (--enable-valias):
 * oldsql is built so; newsql is not, until a test turns it on. vmigrate reads the rows with vpopmail's own login (never shown
 * or stored), carries them as rows to a destination that reads the table and as .qmail files
 * to one that does not, and each destination then delivers to the alias as the source did.
 * What neither form can say is refused before anything changes, or left out and named.
 * A table per domain (--disable-many-domains) on either side moves as the one table does, and
 * limits in the limits table (--enable-mysql-limits) as limits files do.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vpopmailConfigHeader } from '../lab/vpopmail/install.js';
import { waitForLocalDeliveries } from '../lab/mail-traffic.js';
import { freshStateDir, resultOf, runLabCli } from '../helpers/lab-cli.js';
import {
  addDomainWithUsers,
  mailHost,
  snapshotAsideFromLock,
  type LabMailHost,
} from '../helpers/vpopmail.js';

const D = 'va.example';

/** The domain's valias rows on a host, as `alias -> line`, in the table's order. */
async function rows(h: LabMailHost, domain = D): Promise<string[]> {
  const r = await h.sh(
    `mysql -N -B vpopmail -e "SELECT CONCAT(alias, ' -> ', valias_line) FROM valias WHERE domain = '${domain}'" 2>&1`,
  );
  return r.stdout.split('\n').filter(Boolean);
}

/** Rebuilds the host's vpopmail with these options, as far as the emulator is concerned. */
async function rebuild(
  h: LabMailHost,
  o: { valias: boolean; manyDomains: boolean; mysqlLimits?: boolean },
): Promise<void> {
  const options = { mysqlLimits: false, ...o };
  const header = vpopmailConfigHeader({ backend: 'mysql', ...options });
  const script = `const f = process.argv[1]; const c = JSON.parse(fs.readFileSync(f, 'utf8'));
    Object.assign(c, JSON.parse(process.argv[2])); fs.writeFileSync(f, JSON.stringify(c, null, 2));`;
  const r = await h.sh(
    [
      `f=${h.home}/lib/emulator/emulator.json`,
      `n=$(sed -n 's/.*"node": *"\\(.*\\)".*/\\1/p' "$f")`,
      `"$n" -e "${script.replaceAll('\n', ' ')}" "$f" '${JSON.stringify(options)}'`,
      `printf '%s' '${header}' > ${h.home}/include/vpopmail_config.h`,
    ].join('\n'),
  );
  expect(r.code, r.stderr).toBe(0);
}
const setValias = (h: LabMailHost, on: boolean) => rebuild(h, { valias: on, manyDomains: true });

/** Injects a message on the host and waits until qmail has delivered it. */
async function deliver(h: LabMailHost, to: string, id: string): Promise<void> {
  const r = await h.sh(
    `printf 'To: ${to}\\nSubject: ${id}\\n\\n${id}\\n' | ${h.qmail}/bin/qmail-inject ${to}`,
  );
  expect(r.code, r.stderr).toBe(0);
  await waitForLocalDeliveries(h.remote, h.qmail);
}

/** How many messages holding `id` each user of the domain has. */
async function arrived(
  h: LabMailHost,
  id: string,
  users: string[],
  domain = D,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const u of users) {
    const dir = (await h.vp('vuserinfo', '-d', `${u}@${domain}`)).stdout.trim();
    const r = await h.sh(`grep -rl -- '${id}' '${dir}/Maildir/new' '${dir}/Maildir/cur' 2>/dev/null | wc -l`);
    out[u] = Number(r.stdout.trim());
  }
  return out;
}

/** The domain's directory on the host (a hash bucket once the host has many domains). */
async function domainDir(h: LabMailHost, domain = D): Promise<string> {
  const r = await h.vp('vdominfo', '-d', domain);
  expect(r.code, r.stdout).toBe(0);
  return r.stdout.trim();
}

/** Every file under a directory, as text, for a search for a secret. */
function allText(dir: string): string {
  const parts: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    parts.push(statSync(p).isDirectory() ? allText(p) : readFileSync(p).toString('latin1'));
  }
  return parts.join('\n');
}

describe('aliases in the valias table', () => {
  const h = {} as Record<'oldsql' | 'new' | 'newsql', LabMailHost>;
  let dbPassword = '';
  const drop = (host: LabMailHost) => host.sh(`${host.home}/bin/vdeldomain -f ${D} >/dev/null 2>&1; true`);

  beforeAll(async () => {
    for (const name of ['oldsql', 'new', 'newsql'] as const) h[name] = await mailHost(name);
    for (const host of Object.values(h)) await drop(host);
    const o = h.oldsql;
    expect((await o.vp('vadddomain', D, 'pm-va-pass1')).code).toBe(0);
    for (const u of ['alice', 'bob'])
      expect((await o.vp('vadduser', `${u}@${D}`, `pw-${u}-123`)).code).toBe(0);
    const alice = (await o.vp('vuserinfo', '-d', `alice@${D}`)).stdout.trim();
    for (const [line, alias] of [
      [`&alice@${D}`, 'info'],
      [`&bob@${D}`, 'info'],
      [`${alice}/Maildir/`, 'sales'],
      ['# this address is retired', 'old-sales'],
      [`&bob@${D}`, 'dot.name'],
      [`&alice@${D}`, 'team-default'],
    ])
      expect((await o.vp('valias', '-i', line!, `${alias}@${D}`)).code).toBe(0);
    dbPassword = (await o.sh(`cut -d'|' -f4 ${o.home}/etc/vpopmail.mysql`)).stdout.trim();
    expect(dbPassword.length).toBeGreaterThan(8);
  }, 120_000);

  afterAll(async () => {
    await setValias(h.newsql, false);
    for (const host of Object.values(h)) {
      await drop(host);
      await host.close();
    }
  });

  it('tells which build reads the table, and the source keeps these aliases as rows, not files', async () => {
    const r = runLabCli(['hosts', 'check', 'oldsql', 'newsql', 'new', '--json']);
    expect(r.code, r.stdout).toBe(0);
    type Checked = { hosts: Array<{ host: string; capabilities?: { vpopmail?: { valias?: boolean } } }> };
    expect(resultOf<Checked>(r.stdout).hosts.map((x) => [x.host, x.capabilities?.vpopmail?.valias])).toEqual([
      ['oldsql', true],
      ['newsql', false],
      ['new', false],
    ]);
    expect(await rows(h.oldsql)).toHaveLength(6);
    const files = await h.oldsql.sh(`ls -a ${await domainDir(h.oldsql)} | grep -c '^.qmail-' ; true`);
    expect(files.stdout.trim()).toBe('1'); // .qmail-default only
  });

  it('refuses, before any change, an alias neither form can say; or leaves it out, named', async () => {
    const alice = (await h.oldsql.vp('vuserinfo', '-d', `alice@${D}`)).stdout.trim();
    await h.oldsql.vp('valias', '-i', `${alice}/mbox`, `mbox@${D}`);
    try {
      const state = freshStateDir();
      const planned = runLabCli(['plan', D, '--from', 'oldsql', '--to', 'new'], { state });
      expect(planned.stdout).toMatch(
        /alias mbox@va\.example cannot be stored on new: its line ".*\/mbox" makes vdelivermail defer every message/,
      );
      const before = await snapshotAsideFromLock(h.new);
      const refused = runLabCli(['move', D, '--from', 'oldsql', '--to', 'new'], { state });
      expect(refused.code, refused.stdout).toBe(5);
      expect(await snapshotAsideFromLock(h.new)).toBe(before);
      const skipped = runLabCli(['move', D, '--from', 'oldsql', '--to', 'new', '--skip-unrepresentable'], {
        state,
      });
      expect(skipped.code, skipped.stdout + skipped.stderr).toBe(0);
      expect(skipped.stdout).toContain('alias mbox@va.example left out (--skip-unrepresentable)');
      const mboxFile = await h.new.sh(`test -e ${await domainDir(h.new)}/.qmail-mbox; echo $?`);
      expect(mboxFile.stdout.trim()).toBe('1');
    } finally {
      await h.oldsql.vp('valias', '-d', `mbox@${D}`);
      await drop(h.new);
    }
  });

  it('to a build without valias: each alias becomes its .qmail file, and delivers as before', async () => {
    const state = freshStateDir();
    const planned = runLabCli(['plan', D, '--from', 'oldsql', '--to', 'new'], { state });
    expect(planned.stdout).toContain(
      "rows of vpopmail's valias table on oldsql, read through its mysql client",
    );
    expect(planned.stdout).toContain('are written as .qmail-<alias> files');
    const moved = runLabCli(['move', D, '--from', 'oldsql', '--to', 'new', '--checksum'], { state });
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    const dir = await domainDir(h.new);
    const alice = (await h.new.vp('vuserinfo', '-d', `alice@${D}`)).stdout.trim();
    const files = await h.new.sh(
      `cd ${dir} && for f in .qmail-info .qmail-sales .qmail-old-sales .qmail-dot:name .qmail-team-default; do printf '%s=' "$f"; cat "$f"; done`,
    );
    expect(files.stdout).toBe(
      [
        `.qmail-info=&alice@${D}`,
        `&bob@${D}`,
        `.qmail-sales=${alice}/Maildir/`,
        '.qmail-old-sales=# this address is retired',
        `.qmail-dot:name=&bob@${D}`,
        `.qmail-team-default=&alice@${D}`,
        '',
      ].join('\n'),
    );
    for (const [to, id] of [
      ['info', 'va-new-1'],
      ['team-x', 'va-new-2'],
      ['sales', 'va-new-3'],
    ] as const)
      await deliver(h.new, `${to}@${D}`, id);
    expect(await arrived(h.new, 'va-new-1', ['alice', 'bob'])).toEqual({ alice: 1, bob: 1 });
    expect(await arrived(h.new, 'va-new-2', ['alice', 'bob'])).toEqual({ alice: 1, bob: 0 });
    expect(await arrived(h.new, 'va-new-3', ['alice', 'bob'])).toEqual({ alice: 1, bob: 0 });
    // The database's password is nowhere vmigrate writes or prints.
    for (const text of [planned.stdout, planned.stderr, moved.stdout, moved.stderr, allText(state)])
      expect(text).not.toContain(dbPassword);
  });

  it('to a build with valias: the rows, paths rewritten, in the same order, and the wildcard delivers', async () => {
    await setValias(h.newsql, true);
    const state = freshStateDir();
    const moved = runLabCli(['move', D, '--from', 'oldsql', '--to', 'newsql', '--checksum'], { state });
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    const aliceOld = (await h.oldsql.vp('vuserinfo', '-d', `alice@${D}`)).stdout.trim();
    const aliceNew = (await h.newsql.vp('vuserinfo', '-d', `alice@${D}`)).stdout.trim();
    expect(await rows(h.newsql)).toEqual((await rows(h.oldsql)).map((r) => r.replace(aliceOld, aliceNew)));
    const files = await h.newsql.sh(`ls -a ${await domainDir(h.newsql)} | grep -c '^.qmail-' ; true`);
    expect(files.stdout.trim()).toBe('1');
    await deliver(h.newsql, `team-y@${D}`, 'va-sql-1');
    await deliver(h.newsql, `info@${D}`, 'va-sql-2');
    expect(await arrived(h.newsql, 'va-sql-1', ['alice', 'bob'])).toEqual({ alice: 1, bob: 0 });
    expect(await arrived(h.newsql, 'va-sql-2', ['alice', 'bob'])).toEqual({ alice: 1, bob: 1 });
    // Provisioning again finds nothing to do: the rows are compared, not added again.
    const again = runLabCli(['provision', D, '--from', 'oldsql', '--to', 'newsql'], { state });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await rows(h.newsql)).toHaveLength(6);
    expect(allText(state)).not.toContain(dbPassword);
  });

  it('a table per domain (--disable-many-domains), as destination and as source', async () => {
    const M = 'perdomain.example';
    const dropM = (host: LabMailHost) => host.sh(`${host.home}/bin/vdeldomain -f ${M} >/dev/null 2>&1; true`);
    await rebuild(h.newsql, { valias: false, manyDomains: false });
    try {
      await addDomainWithUsers(h.oldsql, M, ['ann', 'ben']);
      await deliver(h.oldsql, `ann@${M}`, 'md-1');
      const to = runLabCli(['move', M, '--from', 'oldsql', '--to', 'newsql', '--checksum'], {
        state: freshStateDir(),
      });
      expect(to.code, to.stdout + to.stderr).toBe(0);
      const tables = await h.newsql.sh(
        `mysql -N -B vpopmail -e "SELECT pw_name FROM perdomain_example ORDER BY pw_name; SELECT COUNT(*) FROM vpopmail WHERE pw_domain = '${M}'"`,
      );
      expect(tables.stdout).toBe('ann\nben\npostmaster\n0\n');
      const from = runLabCli(['move', M, '--from', 'newsql', '--to', 'new', '--checksum'], {
        state: freshStateDir(),
      });
      expect(from.code, from.stdout + from.stderr).toBe(0);
      expect((await h.new.vp('vuserinfo', '-n', '-p', '-D', M)).stdout).toBe(
        (await h.oldsql.vp('vuserinfo', '-n', '-p', '-D', M)).stdout,
      );
      expect(await arrived(h.new, 'md-1', ['ann', 'ben'], M)).toEqual({ ann: 1, ben: 0 });
    } finally {
      await rebuild(h.newsql, { valias: false, manyDomains: true });
      for (const host of Object.values(h)) await dropM(host);
    }
  });

  it('limits in the limits table (--enable-mysql-limits), as destination and as source', async () => {
    const L = 'limits.example';
    const dropL = (host: LabMailHost) => host.sh(`${host.home}/bin/vdeldomain -f ${L} >/dev/null 2>&1; true`);
    const shown = async (host: LabMailHost) =>
      (await host.vp('vmoddomlimits', '-S', L)).stdout.split('\n').slice(2).join('\n');
    await rebuild(h.newsql, { valias: false, manyDomains: true, mysqlLimits: true });
    try {
      await addDomainWithUsers(h.new, L, ['ann']);
      const set = await h.new.vp('vmoddomlimits', '-P', '7', '-A', '3', '-g', 'pi', '-p', 'd', '-u', 'c', L);
      expect(set.code).toBe(0);
      const limitsOnNew = await shown(h.new);
      expect(limitsOnNew).toContain('Max Pop Accounts: 7');

      const to = runLabCli(['move', L, '--from', 'new', '--to', 'newsql'], { state: freshStateDir() });
      expect(to.code, to.stdout + to.stderr).toBe(0);
      const row = await h.newsql.sh(
        `mysql -N -B vpopmail -e "SELECT maxpopaccounts, maxaliases, disable_pop, disable_imap FROM limits WHERE domain = '${L}'"; ls -a ${await domainDir(h.newsql, L)}`,
      );
      expect(row.stdout).toMatch(/^7\t3\t1\t1\n/);
      expect(row.stdout).not.toContain('.qmailadmin-limits');
      expect(await shown(h.newsql)).toBe(limitsOnNew);

      await dropL(h.new);
      const back = runLabCli(['move', L, '--from', 'newsql', '--to', 'new'], { state: freshStateDir() });
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(await shown(h.new)).toBe(limitsOnNew);
      const file = await h.new.sh(`cat ${await domainDir(h.new, L)}/.qmailadmin-limits`);
      expect(file.stdout).toContain('maxpopaccounts: 7');
    } finally {
      await rebuild(h.newsql, { valias: false, manyDomains: true });
      for (const host of Object.values(h)) await dropL(host);
    }
  });
});
