import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allFlagCombinations } from '../lab/fixtures/messages.js';
import { fillPlaceholders, type FixturePlan } from '../lab/fixtures/plan.js';
import { BIG_DOMAIN_USERS, FILLER_DOMAINS, standardFixture } from '../lab/fixtures/standard.js';

/** A digest of everything a plan would do (comparing 19 MiB of buffers field by field is slow). */
function fingerprint(p: FixturePlan): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([p.commands, p.lateCommands, p.summary]));
  for (const f of p.files) {
    h.update(JSON.stringify([f.domain, f.user, f.path, f.kind, f.target, f.mode, f.mtime]));
    h.update(f.content ?? '');
  }
  return h.digest('hex');
}

describe('standard fixture plan', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = fingerprint(standardFixture(7));
    expect(fingerprint(standardFixture(7))).toBe(a);
    expect(fingerprint(standardFixture(8))).not.toBe(a);
  });

  it('covers what the lab needs: hashing of domains and users, flags, folders, metadata', () => {
    const p = standardFixture(1);
    expect(p.summary.domains).toBe(FILLER_DOMAINS + 6);
    expect(p.summary.users['big.example']).toHaveLength(BIG_DOMAIN_USERS + 1);
    expect(allFlagCombinations()).toHaveLength(64);
    const alice = p.files.filter((f) => f.user === 'alice').map((f) => f.path);
    const flags = new Set(alice.filter((x) => x.startsWith('Maildir/cur/')).map((x) => x.split(':2,')[1]));
    expect(flags.size).toBe(64);
    for (const folder of ['.Sent', '.Trash', '.Archive.2019', '.Entw&APw-rfe', '.My Stuff'])
      expect(alice).toContain(`Maildir/${folder}/maildirfolder`);
    for (const meta of ['courierimapuiddb', 'courierimapsubscribed', 'courierimapkeywords/:list'])
      expect(alice).toContain(`Maildir/${meta}`);
    const sizes = p.files.filter((f) => /\/(cur|new)\//.test(f.path)).map((f) => f.content?.length ?? 0);
    expect(Math.min(...sizes)).toBeLessThan(1000);
    expect(Math.max(...sizes)).toBeGreaterThan(2_000_000);
    const gecos = p.commands
      .filter((c) => c[0] === 'vadduser')
      .flatMap((c) => c.slice(c.indexOf('-c') + 1, c.indexOf('-c') + 2));
    expect(gecos).toContain('Jöhn Smïth');
  });

  it('fills placeholders from the directories the host chose, and refuses unknown ones', () => {
    const dirs = {
      vpopmail: '/v',
      domains: { 'a.example': '/v/domains/0/a.example' },
      users: { 'a.example/bo': '/v/domains/0/a.example/bo' },
    };
    expect(
      fillPlaceholders('{{vpopmail}}/bin {{domaindir:a.example}} {{userdir:a.example/bo}}/Maildir/', dirs),
    ).toBe('/v/bin /v/domains/0/a.example /v/domains/0/a.example/bo/Maildir/');
    expect(() => fillPlaceholders('{{userdir:a.example/zz}}', dirs)).toThrow(/userdir:a.example\/zz/);
  });
});
