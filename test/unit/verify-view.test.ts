/** The verification table and its summary agree: a row says DIFFERS only where a message differs. */
import { describe, expect, it } from 'vitest';
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
    expect(text).toMatch(/^1 message\(s\) exist only on the destination/m);
    expect(text).not.toMatch(/DIFFERS/);
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
});
