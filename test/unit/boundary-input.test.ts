/** Small defects found by trying to break a move: each input now gets the answer it deserves. */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anInventory } from '../helpers/builders.js';
import { describeDifference, differences } from '../../src/vpopmail/compare.js';
import type { Inventory } from '../../src/vpopmail/inventory-types.js';
import { validateDomain } from '../../src/vpopmail/names.js';
import { programPaths } from '../../src/vpopmail/programs.js';
import { linksOutsideDomain } from '../../src/vpopmail/tree-links.js';
// @ts-expect-error: the emulator is plain JavaScript without declarations
import { replaceFile } from '../lab/vpopmail/emulator/files.mjs';

describe('validateDomain', () => {
  it('names a control character instead of suggesting the name the URL standard makes of it', () => {
    expect(() => validateDomain('exa\nmple.com')).toThrow(/contains a control character \("\\n"\)/);
    expect(() => validateDomain('exa\tmple.com')).toThrow(/control character \("\\t"\)/);
    expect(() => validateDomain('exa\nmple.com')).not.toThrow(/use "example\.com"/);
    expect(validateDomain(' Example.COM\n')).toBe('example.com');
  });
});

describe('programPaths', () => {
  it('splits a delivery line as sh does: commands, words, redirections, builtins', () => {
    expect(programPaths(['|/dev/null; exit 99'])).toEqual(['/dev/null']);
    expect(programPaths(['|/usr/bin/a 2>/dev/null && /usr/bin/b|/usr/bin/c'])).toEqual([
      '/usr/bin/a',
      '/usr/bin/b',
      '/usr/bin/c',
    ]);
    expect(programPaths(["|preline '/usr/local/bin/ezmlm/ezmlm-send' '/x/list'"])).toEqual([
      '/usr/local/bin/ezmlm/ezmlm-send',
    ]);
    expect(programPaths(['|cd /tmp; echo hi > /tmp/x'])).toEqual([]);
  });
});

function inv(dir: string, extra: Inventory['extra'], uid = 89): Inventory {
  return anInventory({ host: 'h', vpopmailDir: '/vp', dir, uid, gid: uid, extra });
}
const file = (path: string, uid: number) => ({
  type: 'f',
  mode: '0600',
  uid,
  gid: uid,
  size: 1,
  mtime: 1,
  path,
});

describe('ownership differences', () => {
  it('are about files vmigrate wrote, and say which side has what', () => {
    const src = inv('/vp/domains/ex.com', [file('lists/x', 89)]);
    const dst = inv('/v2/domains/ex.com', [file('lists/x', 0), file('vpasswd.emu-tmp.12', 0)], 1089);
    const diffs = differences(src, dst).filter((d) => d.key.startsWith('owner of'));
    expect(diffs.map(describeDifference)).toEqual([
      "owner of lists/x: owned by 0:0 on the destination; should be the domain's owner 1089:1089",
    ]);
  });
});

describe('linksOutsideDomain', () => {
  it('finds links whose target, absolute or relative, leaves the domain', () => {
    const link = (path: string, target: string) => ({ ...file(path, 89), type: 'l', target });
    const found = linksOutsideDomain(
      inv('/vp/domains/ex.com', [
        link('lists/tl', '/some/dir'),
        link('lists/up', '../../other.com/x'),
        link('lists/in', '../list2'),
        link('lists/abs-in', '/vp/domains/ex.com/list2'),
      ]),
    );
    expect(found.map((l) => l.path)).toEqual(['/vp/domains/ex.com/lists/tl', '/vp/domains/ex.com/lists/up']);
  });
});

describe('the emulator writing a file', () => {
  it('leaves no temporary file behind when the write fails', () => {
    const d = mkdtempSync(join(tmpdir(), 'emu-'));
    mkdirSync(join(d, 'vpasswd'));
    // Renaming over a directory fails, as a full disk would fail the write.
    expect(() => (replaceFile as (p: string, data: string) => void)(join(d, 'vpasswd'), 'x')).toThrow();
    expect(readdirSync(d)).toEqual(['vpasswd']);
  });
});
