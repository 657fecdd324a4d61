/**
 * Aliases kept in vpopmail's valias table (--enable-valias, spec 11): read from the inventory
 * script's section, carried to a destination as rows or as .qmail files, refused per alias
 * where neither says the same, and the `valias` commands that converge a destination's rows.
 * No server.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { assessPreflight, type PreflightFacts } from '../../src/migration/preflight.js';
import { buildPlan } from '../../src/migration/plan.js';
import { parseInventory } from '../../src/vpopmail/inventory-parse.js';
import { PathMap } from '../../src/vpopmail/path-map.js';
import { valiasSteps } from '../../src/vpopmail/valias-rows.js';
import type { ValiasRow } from '../../src/vpopmail/inventory-types.js';
import { aHost, aUser, anInventory, capabilities } from '../helpers/builders.js';
import { inventoryScriptOutput } from '../helpers/inventory-sample.js';

const SRC = '/home/vpopmail/domains/ex.com';
const DST = '/var/vpopmail/domains/ex.com';
const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase();
const parse = (valias: string[]) =>
  parseInventory(inventoryScriptOutput({ valias }), {
    host: 'oldsql',
    domain: 'ex.example',
    vpopmailDir: '/v',
  });

const ROWS: ValiasRow[] = [
  { alias: 'info', line: '&alice@ex.com' },
  { alias: 'info', line: '&bob@ex.com' },
  { alias: 'sales', line: `${SRC}/alice/Maildir/` },
  { alias: 'old-sales', line: '# retired' },
  { alias: 'dot.name', line: '&carol@ex.com' },
];

function facts(
  o: { rows?: ValiasRow[]; dest?: 'table' | 'files' | 'cdb'; files?: string[] } = {},
): PreflightFacts {
  const dest = o.dest ?? 'files';
  const sourceInventory = anInventory({
    users: [aUser('postmaster', SRC), aUser('alice', SRC)],
    valias: o.rows ?? ROWS,
    dotQmail: (o.files ?? []).map((f) => ({
      name: f,
      file: `.qmail-${f}`,
      role: 'forward' as const,
      symlinkTarget: undefined,
      content: '&someone@else.example\n',
      lines: [{ kind: 'forward' as const, address: 'someone@else.example' }],
    })),
  });
  const destCaps = capabilities({ vpopmailDir: '/var/vpopmail' });
  if (destCaps.vpopmail) {
    destCaps.vpopmail.backend = dest === 'cdb' ? 'cdb' : 'mysql';
    destCaps.vpopmail.valias = dest === 'table';
  }
  const sourceCaps = capabilities();
  if (sourceCaps.vpopmail) {
    sourceCaps.vpopmail.backend = 'mysql';
    sourceCaps.vpopmail.valias = true;
  }
  return {
    domain: 'ex.com',
    source: aHost('oldsql', sourceCaps),
    dest: aHost('newsql', destCaps),
    sourceInventory,
    destInventory: undefined,
    wantedPrograms: [],
    locatedPrograms: [],
    aliasOwners: new Map(),
  };
}

describe('the valias section of an inventory', () => {
  it('reads rows byte for byte, in the order the server gave them', () => {
    const inv = parse([
      `${hex('info')}\t${hex('&bob@ex.com')}`,
      `${hex('info')}\t${hex('| prog "a b" ☃')}`,
      '@@status 0',
    ]);
    expect(inv.valias).toEqual([
      { alias: 'info', line: '&bob@ex.com' },
      { alias: 'info', line: '| prog "a b" ☃' },
    ]);
  });

  it('is absent on a build without valias, empty when vpopmail has not created the table yet', () => {
    expect(parse([]).valias).toBeUndefined();
    expect(
      parse(["ERROR 1146 (42S02) at line 1: Table 'vpopmail.valias' doesn't exist", '@@status 1']).valias,
    ).toEqual([]);
  });

  it("names mysql's own error, and a server without a mysql client", () => {
    expect(() =>
      parse([
        "ERROR 1045 (28000): Access denied for user 'vpopmail'@'localhost' (using password: YES)",
        '@@status 1',
      ]),
    ).toThrow(/reading the valias table of ex\.example on oldsql failed: ERROR 1045 .*Access denied/);
    expect(() =>
      parseInventory(inventoryScriptOutput({ valias: [] }).replace('@@valias', '@@valias\n@@nomysql'), {
        host: 'oldsql',
        domain: 'ex.example',
        vpopmailDir: '/v',
      }),
    ).toThrow(/oldsql keeps aliases or limits in vpopmail's MySQL tables, and has no mysql client/);
  });
});

describe('the limits section of an inventory', () => {
  it("names mysql's error when a limits table cannot be read", () => {
    expect(() =>
      parseInventory(
        inventoryScriptOutput({
          limits: ['error', "ERROR 1142 (42000): SELECT command denied to user 'vpopmail'", '@@status 1'],
        }),
        { host: 'oldsql', domain: 'ex.example', vpopmailDir: '/v' },
      ),
    ).toThrow(
      /reading the limits table of ex\.example on oldsql failed: ERROR 1142 \(42000\): SELECT command denied/,
    );
  });
});

describe('valias rows on the destination', () => {
  it('go in as rows, paths rewritten, through valias -i, when the destination reads the table too', () => {
    const pf = assessPreflight(facts({ dest: 'table' }), { merge: false });
    expect(pf.problems).toEqual([]);
    expect(pf.notes).toEqual([
      expect.stringMatching(
        /4 alias\(es\) of ex\.com are rows of vpopmail's valias table on oldsql, read through its mysql client/,
      ),
    ]);
    const valias = buildPlan(pf).steps.filter((s) => s.command.includes('/valias '));
    expect(valias.map((s) => s.command)).toEqual([
      "/var/vpopmail/bin/valias -i '&alice@ex.com' info@ex.com",
      "/var/vpopmail/bin/valias -i '&bob@ex.com' info@ex.com",
      `/var/vpopmail/bin/valias -i ${DST}/alice/Maildir/ sales@ex.com`,
      "/var/vpopmail/bin/valias -i '# retired' old-sales@ex.com",
      "/var/vpopmail/bin/valias -i '&carol@ex.com' dot.name@ex.com",
    ]);
  });

  it('become .qmail-<alias> files where the destination keeps aliases in files', () => {
    for (const dest of ['files', 'cdb'] as const) {
      const pf = assessPreflight(facts({ dest }), { merge: false });
      expect(pf.problems).toEqual([]);
      expect(pf.sourceInventory.valias).toBeUndefined();
      expect(pf.sourceInventory.dotQmail.map((q) => [q.file, q.content, q.role])).toEqual([
        ['.qmail-dot:name', '&carol@ex.com\n', 'forward'],
        ['.qmail-info', '&alice@ex.com\n&bob@ex.com\n', 'forward'],
        ['.qmail-old-sales', '# retired\n', 'empty'],
        ['.qmail-sales', `${SRC}/alice/Maildir/\n`, 'alias'],
      ]);
      expect(pf.notes.at(-1)).toMatch(
        /newsql keeps aliases in \.qmail files .*: 4 alias\(es\) of ex\.com are written as \.qmail-<alias> files/,
      );
      const writes = buildPlan(pf)
        .steps.map((s) => s.command)
        .filter((c) => c.startsWith('write '));
      expect(writes).toContain(
        `write ${DST}/.qmail-sales (${`${DST}/alice/Maildir/\n`.length} bytes, mode 0600)`,
      );
    }
  });

  it('leave out rows a .qmail file of the same name overrides on the source, saying so', () => {
    const pf = assessPreflight(facts({ files: ['info'] }), { merge: false });
    expect(pf.sourceInventory.dotQmail.find((q) => q.file === '.qmail-info')?.content).toBe(
      '&someone@else.example\n',
    );
    expect(pf.notes).toContainEqual(
      expect.stringMatching(
        /alias info@ex\.com: its valias rows are never read on oldsql, where \.qmail-info takes precedence/,
      ),
    );
  });

  it('refuse, per alias, what would deliver otherwise or cannot be written; --skip-unrepresentable leaves it out', () => {
    const rows: ValiasRow[] = [
      { alias: 'default', line: '&x@ex.com' },
      { alias: 'mbox', line: `${SRC}/alice/mbox` },
      { alias: 'fine', line: '&y@ex.com' },
    ];
    const pf = assessPreflight(facts({ rows }), { merge: false });
    expect(pf.problems).toEqual([
      expect.stringMatching(
        /^alias default@ex\.com cannot be stored on newsql: .*the catch-all of the domain \(--skip-unrepresentable/,
      ),
      expect.stringMatching(
        /^alias mbox@ex\.com cannot be stored on newsql: .*defer every message.*in a \.qmail file it would deliver to a file/,
      ),
    ]);
    expect(buildPlan(pf).steps).toEqual([]);
    const skipped = assessPreflight(facts({ rows }), { merge: false, skipUnrepresentable: true });
    expect(skipped.problems).toEqual([]);
    expect(skipped.warnings).toEqual([
      expect.stringMatching(/^alias default@ex\.com left out \(--skip-unrepresentable\)/),
      expect.stringMatching(/^alias mbox@ex\.com left out \(--skip-unrepresentable\)/),
    ]);
    expect(skipped.sourceInventory.dotQmail.map((q) => q.file)).toEqual(['.qmail-fine']);

    const table = assessPreflight(
      facts({
        dest: 'table',
        rows: [
          { alias: 'twice', line: '&z@ex.com' },
          { alias: 'twice', line: '&z@ex.com' },
          { alias: 'long', line: `&${'a'.repeat(300)}@ex.com` },
        ],
      }),
      { merge: false },
    );
    expect(table.problems).toEqual([
      expect.stringMatching(
        /^alias twice@ex\.com cannot be stored on newsql: it has the same line twice, which valias -i refuses/,
      ),
      expect.stringMatching(
        /^alias long@ex\.com cannot be stored on newsql: a line is 308 characters on the destination; valias -i keeps 299/,
      ),
    ]);
  });
});

describe('valiasSteps', () => {
  const map = new PathMap([{ from: SRC, to: DST, what: 'domain directory' }]);
  const o = (mode: 'create' | 'converge' | 'merge', notes: string[] = []) => ({
    bin: '/b',
    domain: 'ex.com',
    map,
    mode,
    notes,
  });
  const argv = (steps: ReturnType<typeof valiasSteps>) => steps.map((s) => s.argv.map(String).join(' '));

  it('gives nothing when the rows match, and only the missing tail after a run cut short', () => {
    expect(
      valiasSteps(
        ROWS,
        ROWS.map((r) => ({ ...r, line: map.rewrite(r.line) })),
        o('converge'),
      ),
    ).toEqual([]);
    expect(argv(valiasSteps(ROWS.slice(0, 2), ROWS.slice(0, 1), o('converge')))).toEqual([
      '/b/valias -i &bob@ex.com info@ex.com',
    ]);
  });

  it('clears and rewrites an alias whose rows differ, in the source order; merge leaves it, with a note', () => {
    const dest = [{ alias: 'info', line: '&bob@ex.com' }];
    expect(argv(valiasSteps(ROWS.slice(0, 2), dest, o('converge')))).toEqual([
      '/b/valias -d info@ex.com',
      '/b/valias -i &alice@ex.com info@ex.com',
      '/b/valias -i &bob@ex.com info@ex.com',
    ]);
    const notes: string[] = [];
    expect(valiasSteps(ROWS.slice(0, 2), dest, o('merge', notes))).toEqual([]);
    expect(notes).toEqual([
      'alias info@ex.com has other valias rows on the destination: left as it is (--merge)',
    ]);
  });
});
