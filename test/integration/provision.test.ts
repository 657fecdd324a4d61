/**
 * Plan and provisioning against the standard fixture: `plan` changes nothing on either host;
 * every fixture domain provisioned onto `new` matches its source once paths are normalised;
 * a second run changes nothing; clashes and bad names stop before any change.
 */
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { openPair } from '../../src/hosts/open-hosts.js';
import type { Plan } from '../../src/migration/plan.js';
import type { HostHandle } from '../../src/hosts/open-hosts.js';
import { preflight } from '../../src/migration/preflight.js';
import { provision } from '../../src/migration/provision.js';
import { describeDifference, differences } from '../../src/vpopmail/compare.js';
import { readInventory } from '../../src/vpopmail/inventory.js';
import { runLabCli, resultOf } from '../helpers/lab-cli.js';
import { labSession } from '../helpers/lab-session.js';
import { treeSnapshot as snapshot, useMailHosts } from '../helpers/vpopmail.js';

const { plan: fixture } = inject('fixture');
const domains = Object.keys(fixture.summary.users).sort();

function cli(...args: string[]) {
  return runLabCli(args);
}

describe('vmigrate plan', () => {
  const hosts = useMailHosts();

  it('prints steps, commands, path map and warnings, and changes nothing on either host', async () => {
    const before = [await snapshot(hosts.old), await snapshot(hosts.new)];
    expect(before[0]).toContain('/example.com/alice/Maildir');

    const r = cli('plan', 'example.com', '--from', 'old', '--to', 'new', '--json');
    expect(r.code, r.stderr).toBe(0);
    const dry = resultOf<{ plans: Array<{ domain: string; outcome: string; plan: Plan }> }>(r.stdout);
    expect(dry.plans.map((x) => [x.domain, x.outcome])).toEqual([['example.com', 'ok']]);
    const p = dry.plans[0]!.plan;
    expect(p.mode).toBe('create');
    expect(p.problems).toEqual([]);
    expect(p.steps[0]?.command).toBe(`${hosts.new.home}/bin/vadddomain example.com <redacted>`);
    expect(p.steps.map((s) => s.command)).toContain(
      `${hosts.new.home}/bin/vaddaliasdomain example.com example.net`,
    );
    expect(p.pathMap).toContainEqual({ from: hosts.old.home, to: hosts.new.home, what: 'vpopmail home' });
    expect(p.warnings.join('\n')).toMatch(/new lacks programs .*autorespond.*ezmlm-send/);
    expect(r.stdout).not.toMatch(/\$1\$/);

    const text = cli('provision', 'big.example', '--from', 'old', '--to', 'new', '--dry-run');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Plan for big\.example: old -> new/);
    expect(text.stdout).toMatch(/vadduser -e <redacted> -c .* <redacted>/);

    const after = [await snapshot(hosts.old), await snapshot(hosts.new)];
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
  });
});

describe('provisioning', () => {
  const hosts = useMailHosts();
  const session = labSession();
  let pair: { source: HostHandle; dest: HostHandle };
  beforeAll(async () => {
    pair = await openPair(session, 'old', 'new');
  });
  afterAll(async () => {
    // Leave `new` empty for the other test files.
    await hosts.new.sh(
      [...domains, 'clash.example', 'names.example']
        .map((d) => `${hosts.new.home}/bin/vdeldomain -f ${d} >/dev/null 2>&1`)
        .join('\n'),
    );
    await hosts.old.sh(
      ['clash.example', 'names.example']
        .map((d) => `${hosts.old.home}/bin/vdeldomain -f ${d} >/dev/null 2>&1`)
        .join('\n'),
    );
    await session.close();
  });

  async function provisionAll() {
    const limit = pLimit(4);
    return Promise.all(
      domains.map((d) =>
        limit(async () =>
          provision(await preflight(d, pair.source, pair.dest, { merge: false }), silentLogger()),
        ),
      ),
    );
  }

  it(`provisions all ${domains.length} fixture domains, and each matches its source`, async () => {
    const reports = await provisionAll();
    expect(reports.every((r) => r.changes > 0)).toBe(true);
    const limit = pLimit(4);
    await Promise.all(
      domains.map((d) =>
        limit(async () => {
          const src = await readInventory(pair.source.remote, pair.source.caps, d);
          const dst = await readInventory(pair.dest.remote, pair.dest.caps, d);
          expect(differences(src, dst).map(describeDifference), d).toEqual([]);
          expect(dst.uid).toBe(hosts.new.uid);
          expect(dst.aliasDomains).toEqual(src.aliasDomains);
          // The same encrypted password, user by user.
          for (const u of src.users)
            expect(dst.users.find((x) => x.name === u.name)?.password.value, `${u.name}@${d}`).toBe(
              u.password.value,
            );
        }),
      ),
    );
    // No file on the destination names the source's vpopmail home; all belong to vpopmail there.
    const leftovers = await hosts.new.sh(
      `grep -rlF ${hosts.old.home} ${hosts.new.home}/domains; find ${hosts.new.home}/domains ! -user ${hosts.new.uid} -print`,
    );
    expect(leftovers.stdout).toBe('');
  }, 900_000);

  it('changes nothing when run a second time', async () => {
    const reports = await provisionAll();
    expect(reports.filter((r) => r.changes !== 0).map((r) => r.domain)).toEqual([]);
    const r = cli('provision', 'example.com', '--from', 'old', '--to', 'new');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^example\.com: no changes needed on new/);
  }, 900_000);

  it('moves every fixture domain with move --all --server: the server settings asked for first, then each domain verified by SHA-256, message by message', async () => {
    // Server-level settings of old's that new lacks: carried with --server-settings, then put back.
    const vlimits = (await hosts.new.sh(`cat ${hosts.new.home}/etc/vlimits.default`)).stdout;
    expect(
      (
        await hosts.old.sh(
          `echo 33554432 > ${hosts.old.qmail}/control/databytes && printf 'example.com:mx.example.net\\n' > ${hosts.old.qmail}/control/smtproutes && cp ${hosts.old.home}/etc/vlimits.default /tmp/vlimits.old && echo 'maxforwards 12' >> ${hosts.old.home}/etc/vlimits.default`,
        )
      ).code,
    ).toBe(0);
    let r;
    try {
      r = cli(
        'move',
        '--all',
        '--from',
        'old',
        '--to',
        'new',
        '--checksum',
        '--domains-concurrency',
        '4',
        '--server',
        '--server-settings',
        'all',
        '--json',
      );
      const now = await hosts.new.sh(
        `cat ${hosts.new.qmail}/control/databytes ${hosts.new.qmail}/control/smtproutes; tail -n 1 ${hosts.new.home}/etc/vlimits.default`,
      );
      expect(now.stdout).toBe('33554432\nexample.com:mx.example.net\nmaxforwards 12\n');
    } finally {
      await hosts.old.sh(
        `rm -f ${hosts.old.qmail}/control/databytes ${hosts.old.qmail}/control/smtproutes && mv /tmp/vlimits.old ${hosts.old.home}/etc/vlimits.default`,
      );
      await hosts.new.sh(
        `rm -f ${hosts.new.qmail}/control/databytes ${hosts.new.qmail}/control/smtproutes ${hosts.new.home}/etc/vlimits.default.vmigrate-*`,
      );
      await hosts.new.remote.exec(['sh', '-c', 'cat > "$1"', 'w', `${hosts.new.home}/etc/vlimits.default`], {
        stdin: vlimits,
      });
    }
    expect(r.code, r.stderr).toBe(0);
    const summary = resultOf<{
      domains: Array<{ domain: string; status: string; verify: Array<{ problems: unknown[] }> }>;
      server: { applied: Array<{ key: string }> };
    }>(r.stdout);
    expect(summary.server.applied.map((a) => a.key).sort()).toEqual([
      'control/databytes',
      'control/smtproutes',
      'vlimits.default',
    ]);
    const moved = summary.domains;
    expect(moved.map((d) => d.domain).sort()).toEqual([...domains].sort());
    expect(moved.filter((d) => d.status !== 'done')).toEqual([]);
    expect(moved.flatMap((d) => d.verify.flatMap((v) => v.problems))).toEqual([]);
    // And verify on its own agrees, for the domains with the oddest content.
    for (const d of ['example.com', 'big.example', 'xn--mller-kva.example', 'example.org']) {
      const v = cli('verify', d, '--from', 'old', '--to', 'new', '--checksum');
      expect(v.code, `${d}\n${v.stdout}`).toBe(0);
      expect(v.stdout).toMatch(/No differences \(contents compared by SHA-256\)/);
    }
  }, 900_000);

  it('stops on a destination domain with other content, naming the differences; --merge adds only what is missing', async () => {
    expect((await hosts.old.vp('vadddomain', 'clash.example', 'pw-old-1234')).code).toBe(0);
    expect(
      (await hosts.old.vp('vadduser', '-c', 'Only Old', 'anna@clash.example', 'anna-pw-1234')).code,
    ).toBe(0);
    expect((await hosts.new.vp('vadddomain', 'clash.example', 'pw-new-1234')).code).toBe(0);
    const before = await snapshot(hosts.new);

    const r = cli('provision', 'clash.example', '--from', 'old', '--to', 'new');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/clash\.example already exists on new with different content/);
    expect(r.stderr).toMatch(/user anna password: missing on the destination/);
    expect(r.stderr).toMatch(/user postmaster password: differs/);
    expect(r.stderr).not.toContain('pw-');
    expect(await snapshot(hosts.new)).toBe(before);

    const m = cli('provision', 'clash.example', '--from', 'old', '--to', 'new', '--merge');
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(
      /postmaster@clash\.example exists on the destination with other settings: left as it is/,
    );
    const dst = await readInventory(pair.dest.remote, pair.dest.caps, 'clash.example');
    const src = await readInventory(pair.source.remote, pair.source.caps, 'clash.example');
    expect(dst.users.find((u) => u.name === 'anna')?.password.value).toBe(
      src.users.find((u) => u.name === 'anna')?.password.value,
    );
    expect(dst.users.find((u) => u.name === 'postmaster')?.password.value).not.toBe(
      src.users.find((u) => u.name === 'postmaster')?.password.value,
    );
  });

  it('refuses bad names with exit 2 before changing anything', async () => {
    const before = await snapshot(hosts.new);
    const bad = cli('provision', 'bad;name.example', '--from', 'old', '--to', 'new');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"bad;name\.example" is not a valid domain name/);

    // vpopmail itself accepts a backtick in a user name; vmigrate will not carry it.
    expect((await hosts.old.vp('vadddomain', 'names.example', 'pw-names-1234')).code).toBe(0);
    expect((await hosts.old.vp('vadduser', 'we`ird@names.example', 'pw-weird-1234')).code).toBe(0);
    const r = cli('provision', 'names.example', '--from', 'old', '--to', 'new');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/names\.example on old holds names vmigrate will not handle/);
    expect(r.stderr).toContain('"we`ird"');
    expect(await snapshot(hosts.new)).toBe(before);
  });
});
