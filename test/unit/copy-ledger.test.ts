/**
 * The ledger of a mailbox lives only as long as the mailbox on the destination: before
 * provisioning, what the destination lacks is forgotten (all of the domain when it has none).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetAbsentMailboxes } from '../../src/migration/copy-ledger.js';
import { openRecords } from '../../src/state/records.js';
import { aUser, anInventory } from '../helpers/builders.js';

const where = { source: 'old', destination: 'new', domain: 'ex.com' };
const D = '/v/domains/ex.com';

function ledgerOf(mailboxes: readonly string[]) {
  const records = openRecords(mkdtempSync(join(tmpdir(), 'ledger-')));
  for (const mailbox of mailboxes) {
    records.copied.record({ ...where, mailbox }, [
      { folder: 'Maildir', unique: '1.a', path: 'Maildir/cur/1.a:2,S', size: 5 },
    ]);
    records.copiedFiles.record({ ...where, mailbox }, [
      { path: 'Maildir/courierimapuiddb', size: 9, mtime: 1 },
    ]);
  }
  const kept = () =>
    mailboxes.filter(
      (m) =>
        records.copied.written({ ...where, mailbox: m }).size > 0 &&
        records.copiedFiles.written({ ...where, mailbox: m }).size > 0,
    );
  return { records, kept };
}

describe('forgetAbsentMailboxes', () => {
  const source = anInventory({ dir: D, users: [aUser('a', D), aUser('b', D), aUser('c', D)] });
  const boxes = ['a@ex.com', 'b@ex.com', 'c@ex.com', 'gone@ex.com'];

  it('forgets the mailboxes of users the destination lacks, and keeps the others', () => {
    const { records, kept } = ledgerOf(boxes);
    const dest = anInventory({ dir: D, users: [aUser('a', D), aUser('c', D)] });
    expect(forgetAbsentMailboxes(records, where, source, dest)).toEqual(['b@ex.com']);
    expect(kept()).toEqual(['a@ex.com', 'c@ex.com', 'gone@ex.com']);
  });

  it('forgets the whole domain when the destination has none, and nothing when it has every user', () => {
    const { records, kept } = ledgerOf(boxes);
    expect(forgetAbsentMailboxes(records, where, source, source)).toEqual([]);
    expect(kept()).toEqual(boxes);
    expect(forgetAbsentMailboxes(records, where, source, undefined)).toEqual([
      'a@ex.com',
      'b@ex.com',
      'c@ex.com',
    ]);
    expect(kept()).toEqual([]);
  });

  it('touches no other destination or domain', () => {
    const { records } = ledgerOf([]);
    const other = { ...where, destination: 'elsewhere', mailbox: 'a@ex.com' };
    records.copied.record(other, [
      { folder: 'Maildir', unique: '1.a', path: 'Maildir/cur/1.a:2,S', size: 5 },
    ]);
    forgetAbsentMailboxes(records, where, source, undefined);
    expect(records.copied.written(other).size).toBe(1);
  });
});
