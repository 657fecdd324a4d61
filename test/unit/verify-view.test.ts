/** The verification table and its summary agree: a row says DIFFERS only where a message differs. */
import { describe, expect, it } from 'vitest';
import { messageIdentity, messageKey } from '../../src/maildir/delta.js';
import { compareMailbox } from '../../src/maildir/verify.js';
import type { MaildirEntry } from '../../src/maildir/listing.js';
import { renderVerify } from '../../src/ui/transfer-view.js';

const f = (path: string, size = 100): MaildirEntry => ({ path, type: 'f', size, mtime: 1, mode: '600' });

describe('renderVerify', () => {
  it('marks a folder with mail delivered on the destination ok, as the summary does', () => {
    const v = compareMailbox(
      'u@ex.com',
      [f('Maildir/cur/1.a:2,S')],
      [f('Maildir/cur/1.a:2,S'), f('Maildir/new/9.d')],
    );
    const text = renderVerify([v], false);
    expect(text).toMatch(/INBOX\s+1\s+2\s+100 B\s+200 B\s+ok \(more on the destination\)/);
    expect(text).toMatch(/^No differences: every source message is on the destination\.$/m);
    expect(text).toMatch(/^1 message\(s\) delivered on the destination itself: not a difference\.$/m);
    expect(text).not.toMatch(/DIFFERS/);
  });

  it('names the messages whose mode denies their owner reading them, and counts them as copied', () => {
    const closed = { ...f('Maildir/cur/2.b:2,S'), mode: '0000' };
    const writeOnly = { ...f('Maildir/new/3.c'), mode: '0200' };
    const v = compareMailbox(
      'u@ex.com',
      [f('Maildir/cur/1.a:2,S'), closed, writeOnly],
      [f('Maildir/cur/1.a:2,S'), closed, writeOnly],
    );
    expect(v.problems).toEqual([]);
    expect(v.unreadable).toEqual([
      { path: 'Maildir/cur/2.b:2,S', mode: '0000' },
      { path: 'Maildir/new/3.c', mode: '0200' },
    ]);
    const text = renderVerify([v], false);
    expect(text).toMatch(/^No differences: every source message is on the destination\.$/m);
    expect(text).toMatch(/^2 message\(s\) on the source whose mode lets not even their owner read them/m);
    expect(text).toContain('  u@ex.com Maildir/cur/2.b:2,S: mode 0000');
  });

  it('marks DIFFERS exactly the folders whose messages differ, and counts them in the summary', () => {
    const v = compareMailbox(
      'u@ex.com',
      [f('Maildir/cur/1.a:2,S'), f('Maildir/.Sent/cur/2.a:2,S')],
      [f('Maildir/cur/1.a:2,S'), f('Maildir/new/9.d')],
    );
    const text = renderVerify([v], false);
    expect(text).toMatch(/\.Sent\s+1\s+0\s+100 B\s+0 B\s+DIFFERS/);
    expect(text).toMatch(/INBOX\s+1\s+2\s+100 B\s+200 B\s+ok \(more on the destination\)/);
    expect(text).toMatch(/^1 difference\(s\):$/m);
  });

  it('with the ledger, tells what users did on the destination and what the source deleted from a difference', () => {
    const rec = (path: string) =>
      [messageIdentity(messageKey(path)!), { path, size: 100, confirmed: true }] as const;
    const written = new Map([
      rec('Maildir/new/1.read'), // marked read on the destination
      rec('Maildir/cur/2.trashed:2,S'), // moved to Trash on the destination
      rec('Maildir/cur/3.deleted:2,S'), // deleted on the destination
      rec('Maildir/cur/4.gone:2,S'), // deleted on the source since
      rec('Maildir/cur/5.same:2,S'),
    ]);
    const source = [
      f('Maildir/new/1.read'),
      f('Maildir/cur/2.trashed:2,S'),
      f('Maildir/cur/3.deleted:2,S'),
      f('Maildir/cur/5.same:2,S'),
      f('Maildir/new/6.not-yet-copied'),
    ];
    const dest = [
      f('Maildir/cur/1.read:2,S'),
      f('Maildir/.Trash/cur/2.trashed:2,S'),
      f('Maildir/cur/4.gone:2,S'),
      f('Maildir/cur/5.same:2,S'),
      f('Maildir/new/9.delivered'),
    ];
    const v = compareMailbox('u@ex.com', source, dest, undefined, written);
    expect(v.problems).toEqual([{ path: 'Maildir/new/6.not-yet-copied', problem: 'missing' }]);
    expect(v).toMatchObject({ changedOnDestination: 3, deletedOnSource: 1, onlyOnDestination: 1 });
    const text = renderVerify([v], false);
    expect(text).toMatch(
      /^1 difference\(s\):\n {2}u@ex\.com Maildir\/new\/6\.not-yet-copied: missing on the destination$/m,
    );
    expect(text).toMatch(/^3 message\(s\) changed, moved or deleted by users on the destination/m);
    expect(text).toMatch(/^1 message\(s\) deleted on the source after vmigrate copied them/m);
    expect(text).toMatch(/^1 message\(s\) delivered on the destination itself/m);
    // Without the ledger the same mailbox is four differences and three messages "delivered".
    const blind = compareMailbox('u@ex.com', source, dest);
    expect(blind.problems).toHaveLength(4);
    expect(blind.onlyOnDestination).toBe(3);
  });
});
