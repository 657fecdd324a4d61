/**
 * A member tar finds gone is named in tar's own quoting; the name vmigrate computes must be
 * the one GNU tar prints, byte for byte, or a vanished message is confirmed as copied.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { nulList, tarQuoted } from '../../src/maildir/byte-names.js';

const NAMES = [
  'cur/1700000000.1.old:2,S',
  'cur/x\ty:2,RS',
  'new/p\u00e4q',
  'cur/r\\s:2,',
  'cur/new\nline',
  'cur/sp ace',
  'cur/q\'uote"',
  'cur/$(touch x)`y`',
  'cur/bell\u0007del\u007f',
];

describe('tarQuoted', () => {
  it('names each missing member as GNU tar prints it', () => {
    const r = spawnSync('tar', ['-c', '--null', '-T', '-', '-f', '/dev/null'], {
      cwd: mkdtempSync(`${tmpdir()}/tar-quoted-`),
      input: nulList(NAMES),
      encoding: 'latin1',
    });
    const printed = r.stderr
      .split('\n')
      .map((l) => /^tar: (.*): Cannot stat: No such file or directory$/.exec(l)?.[1])
      .filter((n) => n !== undefined);
    expect(printed).toEqual(NAMES.map(tarQuoted));
  });
});
