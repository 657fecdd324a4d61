/** Names that carry every byte, checksums that never pass unread, and conflicts named exactly. */
import { describe, expect, it } from 'vitest';
import { nulList, showName } from '../../src/maildir/byte-names.js';
import { planDelta } from '../../src/maildir/delta.js';
import type { MaildirEntry } from '../../src/maildir/listing.js';
import { compareMailbox, parseChecksumLine } from '../../src/maildir/verify.js';

const entry = (path: string, type = 'f', size = 10): MaildirEntry => ({
  path,
  type,
  size,
  mtime: 1,
  mode: '0600',
});
const dir = (path: string) => entry(path, 'd', 4096);

describe('showName', () => {
  it("shows printable UTF-8 as it is and anything else in $'…' quoting that pastes back exactly", () => {
    expect(showName('Maildir/.Entw&APw-rfe/cur/1.a:2,S')).toBe('Maildir/.Entw&APw-rfe/cur/1.a:2,S');
    expect(showName(Buffer.from('.März', 'utf8').toString('latin1'))).toBe('.März');
    expect(showName('a\tb\nc')).toBe("$'a\\tb\\nc'");
    expect(showName("o\xffd'\\")).toBe("$'o\\xffd\\'\\\\'");
  });

  it('joins names into a NUL-separated list of their bytes', () => {
    expect(nulList(['a\xff', 'b\n'])).toEqual(Buffer.from([0x61, 0xff, 0, 0x62, 0x0a, 0]));
  });
});

describe('parseChecksumLine', () => {
  const sum = 'a'.repeat(64);
  it('undoes GNU sha256sum escaping of backslashes, newlines and carriage returns', () => {
    expect(parseChecksumLine(`${sum}  Maildir/cur/plain name`)).toEqual({
      path: 'Maildir/cur/plain name',
      sum,
    });
    expect(parseChecksumLine(`\\${sum}  Maildir/cur/a\\\\b`)).toEqual({ path: 'Maildir/cur/a\\b', sum });
    expect(parseChecksumLine(`\\${sum}  Maildir/cur/a\\nb\\rc`)).toEqual({
      path: 'Maildir/cur/a\nb\rc',
      sum,
    });
    expect(parseChecksumLine('sha256sum: Maildir/cur/x: No such file or directory')).toBeUndefined();
  });
});

describe('compareMailbox with checksums', () => {
  it('reports a message without a checksum on one side, never passes it', () => {
    const box = [entry('Maildir/cur/a\\b:2,S')];
    const v = compareMailbox('u@x', box, box, {
      source: new Map([['Maildir/cur/a\\b:2,S', 'x'.repeat(64)]]),
      destination: new Map(),
    });
    expect(v.problems).toEqual([
      { path: 'Maildir/cur/a\\b:2,S', problem: 'unreadable', destinationPath: 'Maildir/cur/a\\b:2,S' },
    ]);
  });

  it('lists what the source holds that is not copied', () => {
    const v = compareMailbox('u@x', [entry('Maildir/cur/l', 'l'), entry('Maildir/fifo', 'p')], []);
    expect(v.notCopied).toEqual([
      { path: 'Maildir/cur/l', kind: 'a symbolic link' },
      { path: 'Maildir/fifo', kind: 'a FIFO' },
    ]);
  });
});

describe('planDelta and what is in the way on the destination', () => {
  it('plans nothing through a link or over another kind, and says why; skips links and FIFOs of the source', () => {
    const source = [
      dir('Maildir/.Sent'),
      dir('Maildir/.Sent/cur'),
      entry('Maildir/.Sent/cur/1.a:2,S'),
      dir('Maildir/.Junk'),
      entry('Maildir/cur/2.a:2,S'),
      entry('Maildir/cur/3.a:2,S', 'l'),
      entry('Maildir/courierimapuiddb'),
    ];
    const dest = [entry('Maildir/.Sent', 'l'), entry('Maildir/.Junk'), dir('Maildir/courierimapuiddb')];
    const delta = planDelta(source, dest);
    expect(delta.copy).toEqual(['Maildir/cur/2.a:2,S']);
    expect(delta.conflicts).toEqual([
      {
        path: 'Maildir/.Sent',
        why: 'it is a directory on the source and a symbolic link on the destination',
      },
      {
        path: 'Maildir/.Sent/cur',
        why: 'Maildir/.Sent is a symbolic link on the destination, not a directory',
      },
      {
        path: 'Maildir/.Sent/cur/1.a:2,S',
        why: 'Maildir/.Sent is a symbolic link on the destination, not a directory',
      },
      { path: 'Maildir/.Junk', why: 'it is a directory on the source and a file on the destination' },
      {
        path: 'Maildir/courierimapuiddb',
        why: 'it is a file on the source and a directory on the destination',
      },
    ]);
    expect(delta.skipped).toEqual([{ path: 'Maildir/cur/3.a:2,S', type: 'l' }]);
  });
});
