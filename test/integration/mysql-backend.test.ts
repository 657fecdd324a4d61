/**
 * vpopmail on its MySQL backend (spec 11) on either side, against the lab's real MariaDB
 * servers: oldsql's lenient like the MySQL 5.x of vpopmail 5.4's era (a value wider than its
 * column is cut), newsql's strict like MariaDB's default (it is refused). The standard fixture,
 * loaded on oldsql by vpopmail's own commands, moves to a cdb and to a MySQL destination; a
 * fixture domain moves from cdb to MySQL. Each move fails on any difference provisioning finds
 * (hashes, clear passwords, quotas, flags, gecos, aliases, limits, alias domains), and `verify
 * --checksum` compares every message. What a MySQL destination cannot store is refused before
 * anything changes, or left out and named; a move killed in the middle of a MySQL provisioning
 * resumes without a user twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withLabRemote } from '../lab/connect.js';
import { loadFixture } from '../lab/fixtures/load.js';
import { freshStateDir, resultOf, runLabCli, spawnLabCli } from '../helpers/lab-cli.js';
import { mailHost, snapshotAsideFromLock, type LabMailHost } from '../helpers/vpopmail.js';

const SHA512 =
  '$6$saltsalt$uaQDPpNNmpqQqJ6NPTrhPhecelxJnfkYy3xGzbwpPmNcWNMBXnFVaqXW01bxhKcx6FdLrrY9EcKr6IS/gAfGN.';
const { plan } = inject('fixture');
const lab = inject('lab');
const FIXTURE_DOMAINS = Object.keys(plan.summary.users);

interface HostCheckResult {
  hosts: Array<{ host: string; capabilities?: { vpopmail?: { backend?: string } } }>;
}

/** The rows of the destination's vpopmail table for a domain: name and hash, sorted. */
async function sqlUsers(h: LabMailHost, domain: string): Promise<string> {
  const r = await h.sh(
    `mysql -N -B vpopmail -e "SELECT pw_name, pw_passwd FROM vpopmail WHERE pw_domain = '${domain}' ORDER BY pw_name"`,
  );
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** What vpopmail lists of a domain's users, name and hash, sorted. */
async function listedUsers(h: LabMailHost, domain: string): Promise<string> {
  const r = await h.vp('vuserinfo', '-n', '-p', '-D', domain);
  const lines = r.stdout.split('\n').filter(Boolean);
  const rows: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) rows.push(`${lines[i]}\t${lines[i + 1]}\n`);
  return rows.sort().join('');
}

describe('vpopmail on MySQL, on either side', () => {
  const h = {} as Record<'old' | 'new' | 'oldsql' | 'newsql', LabMailHost>;
  const drop = async (host: LabMailHost, domains: readonly string[]) =>
    host.sh(domains.map((d) => `${host.home}/bin/vdeldomain -f ${d} >/dev/null 2>&1`).join('\n') + '\ntrue');
  beforeAll(async () => {
    for (const name of ['old', 'new', 'oldsql', 'newsql'] as const) h[name] = await mailHost(name);
    const vpopmail = lab.hosts.oldsql.vpopmail;
    if (!vpopmail) throw new Error('oldsql has no vpopmail');
    await withLabRemote(lab, 'oldsql', (remote) => loadFixture(remote, { vpopmail }, plan));
  }, 300_000);
  afterAll(async () => {
    await drop(h.new, FIXTURE_DOMAINS);
    await drop(h.newsql, [...FIXTURE_DOMAINS, 'wide.example']);
    await drop(h.old, ['wide.example']);
    for (const host of Object.values(h)) await host.close();
  });

  it('tells each host’s backend, and keeps no vpasswd file on a MySQL host', async () => {
    const r = runLabCli(['hosts', 'check', 'old', 'oldsql', 'newsql', '--json']);
    expect(r.code, r.stdout).toBe(0);
    const backends = resultOf<HostCheckResult>(r.stdout).hosts.map((x) => [
      x.host,
      x.capabilities?.vpopmail?.backend,
    ]);
    expect(backends).toEqual([
      ['old', 'cdb'],
      ['oldsql', 'mysql'],
      ['newsql', 'mysql'],
    ]);
    const files = await h.oldsql.sh(
      `find ${h.oldsql.home}/domains -name 'vpasswd*' -o -name lastauth | wc -l`,
    );
    expect(files.stdout.trim()).toBe('0');
    // The users are in the table, as vpopmail lists them.
    expect(await sqlUsers(h.oldsql, 'example.com')).toBe(await listedUsers(h.oldsql, 'example.com'));
  });

  it('cdb to MySQL: example.com moves with the same hashes, into the table; every message checked', async () => {
    const state = freshStateDir();
    const moved = runLabCli(['move', 'example.com', '--from', 'old', '--to', 'newsql', '--checksum'], {
      state,
    });
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(moved.stdout).toContain(
      'No differences (contents compared by SHA-256): every source message is on the destination.',
    );
    expect(await sqlUsers(h.newsql, 'example.com')).toBe(await listedUsers(h.old, 'example.com'));
    const files = await h.newsql.sh(`find ${h.newsql.home}/domains -name 'vpasswd*' | wc -l`);
    expect(files.stdout.trim()).toBe('0');
  });

  it('refuses, before any change, what a MySQL destination cannot store; or leaves it out, named', async () => {
    await h.old.vp('vadddomain', 'wide.example', 'pw-wide-123');
    await h.old.vp('vadduser', '-e', SHA512, `sha@wide.example`);
    await h.old.vp('vadduser', 'plain@wide.example', 'pw-plain-123');
    await h.old.vp('vadduser', 'longclear@wide.example', 'a-clear-password-of-26-ch');
    await h.old.vp('vadduser', '-q', '104857600000S,100000C', 'bigquota@wide.example', 'pw-quota-123');
    const state = freshStateDir();
    const planned = runLabCli(['plan', 'wide.example', '--from', 'old', '--to', 'newsql'], { state });
    expect(planned.stdout).toContain(
      "sha@wide.example cannot be stored on newsql: its sha512-crypt password hash is 98 characters; vpopmail's MySQL column (pw_passwd) holds 40",
    );
    expect(planned.stdout).toContain(
      "longclear@wide.example cannot be stored on newsql: its clear-text password is 25 characters; vpopmail's MySQL column (pw_clear_passwd) holds 16",
    );
    expect(planned.stdout).toContain(
      `bigquota@wide.example cannot be stored on newsql: its quota "104857600000S,100000C" is 21 characters; vpopmail's MySQL column (pw_shell) holds 20`,
    );
    expect(planned.stdout + planned.stderr).not.toContain(SHA512);

    const before = await snapshotAsideFromLock(h.newsql);
    const refused = runLabCli(['move', 'wide.example', '--from', 'old', '--to', 'newsql'], { state });
    expect(refused.code, refused.stdout).toBe(5);
    expect(await snapshotAsideFromLock(h.newsql)).toBe(before);

    const skipped = runLabCli(
      ['move', 'wide.example', '--from', 'old', '--to', 'newsql', '--skip-unrepresentable'],
      { state },
    );
    expect(skipped.code, skipped.stdout + skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain('sha@wide.example left out (--skip-unrepresentable)');
    expect(skipped.stdout).toContain('bigquota@wide.example left out (--skip-unrepresentable)');
    // Only its clear-text copy does not fit: the account moves with its hash, without it.
    expect(skipped.stdout).toContain(
      'longclear@wide.example moved without its clear-text password (--skip-unrepresentable)',
    );
    const names = (await h.newsql.vp('vuserinfo', '-n', '-D', 'wide.example')).stdout;
    expect(names).toBe('longclear\nplain\npostmaster\n');
    const longclear = await h.newsql.vp('vuserinfo', '-p', '-C', 'longclear@wide.example');
    const hashOnOld = (await h.old.vp('vuserinfo', '-p', 'longclear@wide.example')).stdout;
    expect(longclear.stdout).toBe(hashOnOld + '\n');
  });

  /** Moves these fixture domains with --list, then verifies every message by checksum. */
  const moveAndVerify = (domains: readonly string[], to: 'new' | 'newsql') => {
    const list = join(freshStateDir(), 'domains.txt');
    writeFileSync(list, domains.join('\n') + '\n');
    const state = freshStateDir();
    const pair = ['--list', list, '--from', 'oldsql', '--to', to];
    const moved = runLabCli(['move', ...pair], { state });
    expect(moved.code, moved.stdout.slice(-3000) + moved.stderr).toBe(0);
    const v = runLabCli(['verify', ...pair, '--checksum'], { state });
    expect(v.code, v.stdout.slice(-3000)).toBe(0);
  };

  it('cdb to MySQL: the whole standard fixture, every message checked', async () => {
    await drop(h.newsql, FIXTURE_DOMAINS);
    const list = join(freshStateDir(), 'domains.txt');
    writeFileSync(list, FIXTURE_DOMAINS.join('\n') + '\n');
    const state = freshStateDir();
    const pair = ['--list', list, '--from', 'old', '--to', 'newsql'];
    // The filler domains' postmasters have clear-text passwords longer than the column: they
    // move with their hashes, and each is named.
    const moved = runLabCli(['move', ...pair, '--skip-unrepresentable'], { state });
    expect(moved.code, moved.stdout.slice(-3000) + moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/postmaster@filler\d+\.example moved without its clear-text password/);
    const v = runLabCli(['verify', ...pair, '--checksum'], { state });
    expect(v.code, v.stdout.slice(-3000)).toBe(0);
    expect(await sqlUsers(h.newsql, 'example.com')).toBe(await listedUsers(h.old, 'example.com'));
    // A hang detector, not a speed check: 102 domains moved and verified take 100–125 s on the
    // two cores the lab shares, around the default limit.
  }, 300_000);

  it('MySQL to cdb: the whole standard fixture, every message checked', async () => {
    // Other tests may have left a fixture domain on new (from old, with old's content).
    await drop(h.new, FIXTURE_DOMAINS);
    moveAndVerify(FIXTURE_DOMAINS, 'new');
    expect(await listedUsers(h.new, 'example.com')).toBe(await listedUsers(h.oldsql, 'example.com'));
  }, 300_000);

  it('MySQL to MySQL: the whole standard fixture but big.example (below), every message checked', async () => {
    await drop(h.newsql, FIXTURE_DOMAINS);
    moveAndVerify(
      FIXTURE_DOMAINS.filter((d) => d !== 'big.example'),
      'newsql',
    );
    expect(await sqlUsers(h.newsql, 'example.com')).toBe(await sqlUsers(h.oldsql, 'example.com'));
  }, 300_000);

  it('killed (SIGKILL) in the middle of a MySQL provisioning: resume completes, no user twice', async () => {
    const state = freshStateDir();
    const child = spawnLabCli(['move', 'big.example', '--from', 'oldsql', '--to', 'newsql'], { state });
    const count = async () =>
      Number(
        (
          await h.newsql.sh(
            `mysql -N -B vpopmail -e "SELECT COUNT(*) FROM vpopmail WHERE pw_domain = 'big.example'" 2>/dev/null || echo 0`,
          )
        ).stdout.trim(),
      );
    let seen = 0;
    for (let i = 0; i < 600 && seen < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await count();
    }
    child.kill('SIGKILL');
    const killed = await child.result;
    expect(killed.code).toBe(null);
    expect(seen).toBeGreaterThanOrEqual(20);
    expect(seen).toBeLessThan(plan.summary.users['big.example']!.length);

    const resumed = runLabCli(['resume'], { state });
    expect(resumed.code, resumed.stdout.slice(-3000) + resumed.stderr).toBe(0);
    expect(await count()).toBe(plan.summary.users['big.example']!.length);
    const dup = await h.newsql.sh(
      `mysql -N -B vpopmail -e "SELECT pw_name FROM vpopmail WHERE pw_domain = 'big.example' GROUP BY pw_name HAVING COUNT(*) > 1"`,
    );
    expect(dup.stdout).toBe('');
    expect(await sqlUsers(h.newsql, 'big.example')).toBe(await sqlUsers(h.oldsql, 'big.example'));
  });
});
