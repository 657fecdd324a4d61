import { describe, expect, it } from 'vitest';
import { messageIdentity, messageKey, planDelta } from '../../src/maildir/delta.js';
import { parseListingRecord, type MaildirEntry } from '../../src/maildir/listing.js';
import { notSentNames, tarCreateOk } from '../../src/maildir/tar-relay.js';
import { compareMailbox } from '../../src/maildir/verify.js';

const f = (path: string, size = 100, mtime = 1): MaildirEntry => ({
  path,
  type: 'f',
  size,
  mtime,
  mode: '0600',
});
const d = (path: string): MaildirEntry => ({ path, type: 'd', size: 4096, mtime: 1, mode: '0700' });

describe('parseListingRecord', () => {
  it('reads find -printf records, whatever bytes the name holds, and refuses anything else', () => {
    const rec = (t: string) => Buffer.from(t, 'latin1');
    expect(parseListingRecord(rec('f 600 153 1700000000.5 Maildir/.Sent/cur/1.2.h,S=153:2,S'))).toEqual({
      path: 'Maildir/.Sent/cur/1.2.h,S=153:2,S',
      type: 'f',
      size: 153,
      mtime: 1700000000,
      mode: '0600',
    });
    // A TAB, a newline, a space and a byte that is not UTF-8 stay in the name.
    expect(parseListingRecord(rec('f 600 1 1 Maildir/cur/a\tb\nc d\xff'))?.path).toBe(
      'Maildir/cur/a\tb\nc d\xff',
    );
    expect(parseListingRecord(rec('l 777 5 1 Maildir/cur/link'))?.type).toBe('l');
    expect(parseListingRecord(rec('f 600 1 1'))).toBeUndefined();
    expect(parseListingRecord(rec('noise from a login shell'))).toBeUndefined();
  });
});

describe('messageKey', () => {
  it('keys on folder and the unique part before the colon', () => {
    expect(messageKey('Maildir/cur/123.4.h,S=9:2,RS')).toEqual({
      folder: 'Maildir',
      unique: '123.4.h,S=9',
      sub: 'cur',
      name: '123.4.h,S=9:2,RS',
    });
    expect(messageKey('Maildir/.Archive.2019/new/9.9.h')?.folder).toBe('Maildir/.Archive.2019');
    expect(messageKey('Maildir/.My Stuff/cur/1.1.h:2,')?.folder).toBe('Maildir/.My Stuff');
    expect(messageKey('Maildir/courierimapuiddb')).toBeUndefined();
    expect(messageKey('Maildir/tmp/1.1.h')).toBeUndefined();
  });
});

describe('planDelta', () => {
  const source = [
    d('Maildir/.Sent'),
    d('Maildir/.Sent/cur'),
    f('Maildir/cur/1.a.h:2,S'),
    f('Maildir/cur/2.a.h:2,RS'),
    f('Maildir/cur/3.a.h:2,'),
    f('Maildir/.Sent/cur/4.a.h:2,S', 5000),
    f('Maildir/courierimapuiddb', 40, 7),
    f('Maildir/maildirsize', 20),
  ];

  it('copies everything to an empty destination, directories first, maildirsize left to vpopmail', () => {
    const delta = planDelta(source, [d('Maildir/cur')]);
    expect(delta.copy).toEqual([
      'Maildir/.Sent',
      'Maildir/.Sent/cur',
      'Maildir/.Sent/cur/4.a.h:2,S',
      'Maildir/courierimapuiddb',
      'Maildir/cur/1.a.h:2,S',
      'Maildir/cur/2.a.h:2,RS',
      'Maildir/cur/3.a.h:2,',
    ]);
    expect(delta).toMatchObject({ renames: [], bytes: 5300, messages: 4, files: 1 });
  });

  it('turns flag changes and new -> cur into renames, sending no content', () => {
    const dest = [
      d('Maildir/.Sent'),
      d('Maildir/.Sent/cur'),
      f('Maildir/cur/1.a.h:2,S'),
      f('Maildir/cur/2.a.h:2,S'), // the source has since marked it replied
      f('Maildir/new/3.a.h'), // the source has since read it
      f('Maildir/.Sent/cur/4.a.h:2,S', 5000),
      f('Maildir/courierimapuiddb', 40, 7),
      f('Maildir/new/99.delivered.on.new'),
    ];
    const delta = planDelta(source, dest);
    expect(delta.renames).toEqual([
      ['Maildir/cur/2.a.h:2,S', 'Maildir/cur/2.a.h:2,RS'],
      ['Maildir/new/3.a.h', 'Maildir/cur/3.a.h:2,'],
    ]);
    expect(delta).toMatchObject({ copy: [], bytes: 0, messages: 0 });
  });

  it('sends a message again when the destination copy has another size, and changed IMAP state', () => {
    const dest = [
      d('Maildir/.Sent'),
      d('Maildir/.Sent/cur'),
      f('Maildir/.Sent/cur/4.a.h:2,S', 10),
      f('Maildir/courierimapuiddb', 40, 6),
    ];
    const delta = planDelta(source, dest);
    expect(delta.copy).toContain('Maildir/.Sent/cur/4.a.h:2,S');
    expect(delta.copy).toContain('Maildir/courierimapuiddb');
  });
});

describe('planDelta with --delete', () => {
  const source = [f('Maildir/cur/1.a.h:2,S'), f('Maildir/.Sent/cur/4.a.h:2,S')];
  const dest = [
    f('Maildir/cur/1.a.h:2,S'),
    f('Maildir/cur/2.a.h:2,RS'), // copied by vmigrate, since deleted on the source
    f('Maildir/new/3.a.h'), // copied by vmigrate, since deleted on the source
    f('Maildir/.Sent/cur/4.a.h:2,S'),
    f('Maildir/new/99.delivered.on.new'), // never copied: delivered on the destination
    f('Maildir/.Trash/cur/5.a.h:2,S'), // same unique name as a copied one, in another folder
  ];
  // The ledger: each copied message as vmigrate wrote it, which is how it still is.
  const copied = new Map(
    ['Maildir/cur/1.a.h:2,S', 'Maildir/cur/2.a.h:2,RS', 'Maildir/new/3.a.h', 'Maildir/cur/5.a.h:2,S'].map(
      (p) => [messageIdentity(messageKey(p)!), { path: p, size: 100, confirmed: true }] as const,
    ),
  );

  it('deletes only what vmigrate copied and the source no longer has', () => {
    expect(planDelta(source, dest, { written: copied, deleteCopied: true }).deletes).toEqual([
      'Maildir/cur/2.a.h:2,RS',
      'Maildir/new/3.a.h',
    ]);
  });

  it('deletes nothing without --delete, without the ledger, or with an empty one', () => {
    expect(planDelta(source, dest, { written: copied }).deletes).toEqual([]);
    expect(planDelta(source, dest, { deleteCopied: true }).deletes).toEqual([]);
    expect(planDelta(source, dest, { written: new Map(), deleteCopied: true }).deletes).toEqual([]);
  });

  it('deletes what an older vmigrate recorded without a path, as it always did', () => {
    const legacy = new Map(
      [...copied.keys()].map((k) => [k, { path: undefined, size: undefined, confirmed: true }]),
    );
    expect(planDelta(source, dest, { written: legacy, deleteCopied: true }).deletes).toEqual([
      'Maildir/cur/2.a.h:2,RS',
      'Maildir/new/3.a.h',
    ]);
  });
});

describe('compareMailbox', () => {
  it('names missing messages, size and flag differences, and counts destination-only mail apart', () => {
    const src = [
      f('Maildir/cur/1.a:2,S'),
      f('Maildir/cur/2.a:2,S'),
      f('Maildir/new/3.a'),
      f('Maildir/.Sent/cur/4.a:2,', 7),
    ];
    const dst = [
      f('Maildir/cur/1.a:2,S'),
      f('Maildir/cur/2.a:2,'),
      f('Maildir/new/3.a', 99),
      f('Maildir/new/5.new'),
    ];
    const v = compareMailbox('al@ex.com', src, dst);
    expect(v.problems).toEqual([
      { path: 'Maildir/cur/2.a:2,S', problem: 'flags', destinationPath: 'Maildir/cur/2.a:2,' },
      { path: 'Maildir/new/3.a', problem: 'size', destinationPath: 'Maildir/new/3.a' },
      { path: 'Maildir/.Sent/cur/4.a:2,', problem: 'missing' },
    ]);
    expect(v.onlyOnDestination).toBe(1);
    expect(v.folders).toEqual([
      { folder: '.Sent', source: { messages: 1, bytes: 7 }, destination: { messages: 0, bytes: 0 } },
      { folder: 'INBOX', source: { messages: 3, bytes: 300 }, destination: { messages: 4, bytes: 399 } },
    ]);
  });

  it('compares contents when checksums are given', () => {
    const src = [f('Maildir/cur/1.a:2,S')];
    const sums = (h: string) => new Map([['Maildir/cur/1.a:2,S', h]]);
    expect(compareMailbox('x', src, src, { source: sums('aa'), destination: sums('aa') }).problems).toEqual(
      [],
    );
    expect(
      compareMailbox('x', src, src, { source: sums('aa'), destination: sums('bb') }).problems[0]?.problem,
    ).toBe('checksum');
  });
});

describe('tarCreateOk', () => {
  it('accepts a live mailbox losing files while read, and nothing else', () => {
    const vanished = 'tar: Maildir/new/1.a: Warning: Cannot stat: No such file or directory\n';
    expect(tarCreateOk(0, vanished, true)).toBe(true);
    expect(tarCreateOk(1, 'tar: Maildir/cur/2.a: file changed as we read it\n', true)).toBe(true);
    expect(tarCreateOk(1, 'tar: Maildir/cur/2.a: file changed as we read it\n', false)).toBe(false);
    expect(tarCreateOk(2, 'tar: Maildir/cur: Cannot open: Permission denied\n', true)).toBe(false);
    expect(tarCreateOk(1, '', true)).toBe(false);
  });
});

describe('notSentNames', () => {
  it('names each file tar -c could not send, with or without --ignore-failed-read', () => {
    expect(
      notSentNames(
        [
          'tar: Maildir/new/1.a: Warning: Cannot stat: No such file or directory',
          'tar: Maildir/cur/2.a:2,S: File removed before we read it',
          'tar: Maildir/cur/3.a: file changed as we read it',
          'tar: Exiting with failure status due to previous errors',
        ].join('\n'),
      ),
    ).toEqual(['Maildir/new/1.a', 'Maildir/cur/2.a:2,S']);
  });
});
