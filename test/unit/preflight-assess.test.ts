/**
 * Preflight's decisions, from facts held in memory: no server. Each case is one thing an
 * operator can meet (a domain already there, a full disk, a missing program, an alias domain
 * taken, an unfit host, a vpasswd line too long).
 */
import { describe, expect, it } from 'vitest';
import { assessPreflight, type PreflightFacts } from '../../src/migration/preflight.js';
import { buildPlan } from '../../src/migration/plan.js';
import { Secret } from '../../src/remote/quote.js';
import { aHost, aUser, anInventory, capabilities } from '../helpers/builders.js';

const SRC = '/home/vpopmail/domains/ex.com';
const DST = '/var/vpopmail/domains/ex.com';

function facts(o: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    domain: 'ex.com',
    source: aHost('old'),
    dest: aHost('new', capabilities({ vpopmailDir: '/var/vpopmail' })),
    sourceInventory: anInventory({
      users: [aUser('postmaster', SRC), aUser('alice', SRC, { messages: 3, bytes: 3000 })],
    }),
    destInventory: undefined,
    wantedPrograms: [],
    locatedPrograms: [],
    aliasOwners: new Map(),
    ...o,
  };
}

describe('assessPreflight', () => {
  it('plans to create a domain the destination lacks, with every path mapped to its home', () => {
    const pf = assessPreflight(facts(), { merge: false });
    expect(pf.mode).toBe('create');
    expect(pf.problems).toEqual([]);
    expect(pf.pathMap.rewrite(`${SRC}/alice/Maildir/`)).toBe(`${DST}/alice/Maildir/`);
    expect(pf.pathMap.rewrite('/home/vpopmail/bin/vdelivermail')).toBe('/var/vpopmail/bin/vdelivermail');
    // And the printed plan is built from the same result.
    const plan = buildPlan(pf);
    expect(plan.predictedPaths).toBe(true);
    expect(plan.steps[0]?.command).toMatch(/^\/var\/vpopmail\/bin\/vadddomain ex\.com /);
  });

  it('stops on a destination domain made by someone else with other content, and lists the differences', () => {
    const dest = anInventory({
      host: 'new',
      vpopmailDir: '/var/vpopmail',
      users: [aUser('postmaster', DST), aUser('bob', DST)],
    });
    const pf = assessPreflight(facts({ destInventory: dest }), { merge: false });
    expect(pf.mode).toBe('identical');
    expect(pf.problems).toHaveLength(1);
    expect(pf.problems[0]).toMatch(/already exists on new with different content \(use --merge/);
    expect(pf.problems[0]).toMatch(/alice/);
    expect(assessPreflight(facts({ destInventory: dest }), { merge: true }).mode).toBe('merge');
  });

  it('completes a domain vmigrate made (its marker), or one this store began creating (the claim)', () => {
    const dest = anInventory({ host: 'new', vpopmailDir: '/var/vpopmail', users: [] });
    expect(
      assessPreflight(facts({ destInventory: { ...dest, provisionedBy: 'vmigrate ex.com from old' } }), {
        merge: false,
      }).mode,
    ).toBe('converge');
    expect(assessPreflight(facts({ destInventory: dest }), { merge: false, claim: true }).mode).toBe(
      'converge',
    );
  });

  it('reports too little disk or too few inodes, with what is needed', () => {
    const big = anInventory({ users: [aUser('alice', SRC, { messages: 100, bytes: 2 * 2 ** 30 })] });
    const dest = aHost(
      'new',
      capabilities({ vpopmailDir: '/var/vpopmail', diskFreeBytes: 2 ** 30, inodesFree: 50 }),
    );
    const pf = assessPreflight(facts({ sourceInventory: big, dest }), { merge: false });
    expect(pf.problems).toEqual([
      expect.stringMatching(
        /new has 1024\.0 MiB free under \/var\/vpopmail\/domains; ex\.com needs about 2252\.8 MiB/,
      ),
      expect.stringMatching(/new has 50 free inodes under \/var\/vpopmail\/domains; ex\.com needs about \d+/),
    ]);
  });

  it('maps a program found elsewhere on the destination and warns about one it lacks', () => {
    const pf = assessPreflight(
      facts({
        wantedPrograms: ['/usr/local/bin/autorespond', '/usr/local/bin/ezmlm/ezmlm-send'],
        locatedPrograms: [
          { wanted: '/usr/local/bin/autorespond', found: '/usr/bin/autorespond' },
          { wanted: '/usr/local/bin/ezmlm/ezmlm-send', found: undefined },
        ],
      }),
      { merge: false },
    );
    expect(pf.programMappings).toEqual([
      { from: '/usr/local/bin/autorespond', to: '/usr/bin/autorespond', what: 'program autorespond' },
    ]);
    expect(pf.warnings).toEqual([
      expect.stringMatching(/new lacks a program .* \(\/usr\/local\/bin\/ezmlm\/ezmlm-send\)/),
    ]);
  });

  it('refuses an alias domain that belongs to another domain on the destination', () => {
    const pf = assessPreflight(
      facts({
        sourceInventory: anInventory({ aliasDomains: ['ex.net'], users: [aUser('postmaster', SRC)] }),
        aliasOwners: new Map([['ex.net', 'other.com']]),
      }),
      { merge: false },
    );
    expect(pf.problems).toEqual(['alias domain ex.net already exists on new (as other.com)']);
  });

  it('names an unfit host and reads nothing more from it', () => {
    const bare = aHost('new', capabilities({ vpopmail: undefined }));
    const pf = assessPreflight(facts({ dest: bare }), { merge: false });
    expect(pf.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^new: /)]));
    expect(pf.destInventory).toBeUndefined();
  });

  it('refuses to move an alias domain by itself, and names that vpopmail 5.4 would corrupt a long vpasswd line', () => {
    expect(() =>
      assessPreflight(facts({ sourceInventory: anInventory({ realDomain: 'real.com' }) }), { merge: false }),
    ).toThrow(/ex\.com is an alias domain of real\.com on old: move real\.com/);
    const long = anInventory({ users: [aUser('alice', SRC, { gecos: 'x'.repeat(220) })] });
    const pf = assessPreflight(facts({ sourceInventory: long }), { merge: false });
    expect(pf.problems).toEqual([
      expect.stringMatching(/alice@ex\.com: its vpasswd line would be about \d+ bytes/),
    ]);
  });

  it('names what a MySQL destination cannot store; skipping leaves the user out, or only its clear-text copy', () => {
    const dest = aHost('new', capabilities({ vpopmailDir: '/var/vpopmail' }));
    if (dest.caps.vpopmail) dest.caps.vpopmail.backend = 'mysql';
    const users = [
      aUser('postmaster', SRC),
      aUser('bigquota', SRC, { quota: '104857600000S,100000C' }),
      aUser('clear', SRC, { clearPassword: new Secret('a-clear-password-of-24'), hasClearPassword: true }),
    ];
    const f = facts({ dest, sourceInventory: anInventory({ users }) });
    expect(assessPreflight(f, { merge: false }).problems).toEqual([
      expect.stringMatching(
        /^bigquota@ex\.com cannot be stored on new: its quota "104857600000S,100000C" is 21 characters; vpopmail's MySQL column \(pw_shell\) holds 20 \(--skip-unrepresentable leaves such users out\)$/,
      ),
      expect.stringMatching(
        /^clear@ex\.com cannot be stored on new: its clear-text password is 22 characters; .* \(--skip-unrepresentable moves it without the clear-text copy\)$/,
      ),
    ]);
    const skipped = assessPreflight(f, { merge: false, skipUnrepresentable: true });
    expect(skipped.problems).toEqual([]);
    expect(skipped.sourceInventory.users.map((u) => [u.name, u.hasClearPassword])).toEqual([
      ['postmaster', false],
      ['clear', false],
    ]);
    expect(skipped.warnings).toEqual([
      expect.stringMatching(/^bigquota@ex\.com left out \(--skip-unrepresentable\)/),
      expect.stringMatching(
        /^clear@ex\.com moved without its clear-text password \(--skip-unrepresentable\): .*logs in with its password hash$/,
      ),
    ]);
    // Not a MySQL destination: nothing of this applies.
    expect(
      assessPreflight(facts({ sourceInventory: anInventory({ users }) }), { merge: false }).problems,
    ).toEqual([]);
  });

  it('changes nothing: the facts are left as they were', () => {
    const f = facts();
    const before = JSON.stringify(f, (_k, v: unknown) => (v instanceof Map ? [...v] : v));
    assessPreflight(f, { merge: false });
    expect(JSON.stringify(f, (_k, v: unknown) => (v instanceof Map ? [...v] : v))).toBe(before);
    expect((f.source.remote as unknown as { asked: unknown[] }).asked).toEqual([]);
  });
});
