/**
 * The renames and deletions a sync pass makes on the destination travel as one sh script with
 * every name quoted byte for byte, run here by a local POSIX sh: names with any byte arrive
 * exact, a long list is split into commands of bounded length, and a script cut on its way (a
 * controller killed while sending it) changes nothing at all.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DELETE, RENAME, destScript } from '../../src/maildir/sync.js';
import { fromBytes } from '../../src/maildir/byte-names.js';

/** Names as the destination's file system holds them: bytes. */
const odd = [
  Buffer.from("it's a\nnew line"),
  Buffer.from([0x31, 0xff, 0xfe, 0x2c, 0x53, 0x3d, 0x35]),
  Buffer.from('-starts with a dash $HOME `x`'),
];

const run = (script: Buffer) => {
  try {
    execFileSync('sh', ['-s'], { input: script, stdio: ['pipe', 'pipe', 'pipe'] });
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
};

const listing = (dir: string) =>
  readdirSync(dir, { encoding: 'buffer' })
    .map((b) => b.toString('latin1'))
    .sort();

describe('the destination script of a sync pass', () => {
  it('renames and deletes names of any byte, exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dest-'));
    const at = (name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);
    odd.forEach((n) => writeFileSync(at(n), 'x'));
    const pairs = odd.flatMap((n) => [
      fromBytes(at(n)),
      fromBytes(at(Buffer.concat([n, Buffer.from(':2,S')]))),
    ]);
    expect(run(destScript(RENAME, pairs))).toBe(0);
    expect(listing(dir)).toEqual(odd.map((n) => `${n.toString('latin1')}:2,S`).sort());
    expect(run(destScript(DELETE, pairs.filter((_, i) => i % 2 === 1).slice(1)))).toBe(0);
    expect(listing(dir)).toEqual([`${odd[0]!.toString('latin1')}:2,S`]);
  });

  it('deletes a long list in commands of bounded length, and fails when one fails, after trying all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dest-'));
    const names = Array.from({ length: 1500 }, (_, i) => `${dir}/${String(i).padStart(100, '0')}`);
    names.forEach((n) => writeFileSync(n, ''));
    const script = destScript(DELETE, names);
    expect(script.toString().match(/^rm -f --/gm)?.length).toBeGreaterThan(1);
    expect(run(script)).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    // The first rename cannot be made (no such file); the second still is.
    writeFileSync(`${dir}/b`, '');
    expect(run(destScript(RENAME, [`${dir}/a`, `${dir}/a2`, `${dir}/b`, `${dir}/b2`]))).toBe(1);
    expect(readdirSync(dir)).toEqual(['b2']);
  });

  it('changes nothing when it arrives cut, wherever it was cut', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dest-'));
    const files = ['one', 'two', 'three'].map((n) => `${dir}/${n}`);
    files.forEach((n) => writeFileSync(n, ''));
    const renames = destScript(
      RENAME,
      files.flatMap((f) => [f, `${f}.new`]),
    );
    const deletes = destScript(DELETE, files);
    for (const script of [renames, deletes]) {
      expect(script.at(-1)).toBe(10);
      // Every cut but the one that loses only the last newline.
      for (let at = 0; at < script.length - 1; at++) {
        run(script.subarray(0, at));
        expect(readdirSync(dir).sort(), `cut after ${at} of ${script.length} bytes`).toEqual([
          'one',
          'three',
          'two',
        ]);
      }
    }
    expect(run(renames)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['one.new', 'three.new', 'two.new']);
  });
});
