/**
 * A move verifies each group against the source listing its copy was planned from, and walks
 * the source again only for a mailbox that differs from it: there, what differs from the source
 * as it is now is a difference, and what the source changed since its listing is not.
 */
import { describe, expect, it } from 'vitest';
import type { MaildirEntry } from '../../src/maildir/listing.js';
import type { Mailbox } from '../../src/maildir/sync.js';
import { verifyCopied } from '../../src/maildir/verify-copied.js';
import { FakeRemote } from '../helpers/fake-remote.js';
import { listingRecords as listing } from '../helpers/listing-records.js';

const box = (user: string): Mailbox => ({
  label: `${user}@example.com`,
  sourceDir: `/old/domains/example.com/${user}`,
  destDir: `/new/domains/example.com/${user}`,
  owner: { uid: 89, gid: 89 },
});

const entry = (path: string, size = 0, type = 'f'): MaildirEntry => ({
  path,
  type,
  size,
  mtime: 1,
  mode: '0600',
});
const dirs = ['Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp'].map((p) => entry(p, 4096, 'd'));

const LISTING = /-name tmp -printf/;

describe('verifying a group just copied', () => {
  const alice = box('alice');
  const bob = box('bob');
  const read = [...dirs, entry('Maildir/cur/1.a,S=10:2,S', 10)];

  it('compares the destination with the copied listing, without walking the source again', async () => {
    const source = new FakeRemote('old');
    const dest = new FakeRemote('new').answer({
      match: LISTING,
      stdout: listing({ [alice.destDir]: read, [bob.destDir]: dirs }),
    });
    const verdicts = await verifyCopied(source, dest, [
      { box: alice, listed: read },
      { box: bob, listed: dirs },
    ]);
    expect(verdicts.map((v) => [v.label, v.problems])).toEqual([
      [alice.label, []],
      [bob.label, []],
    ]);
    expect(source.asked).toHaveLength(0);
    expect(dest.asked).toHaveLength(1);
  });

  it('takes a change the source made since its listing for none, and a fault of the copy for one', async () => {
    // alice read her message on the source after the listing (new/ to cur/): the copy has it
    // in new/, as listed. bob's message is missing on the destination, and the source has it.
    const listedAlice = [...dirs, entry('Maildir/new/1.a,S=10', 10)];
    const listedBob = [...dirs, entry('Maildir/new/2.b,S=20', 20)];
    const dest = new FakeRemote('new').answer({
      match: LISTING,
      stdout: listing({
        [alice.destDir]: [...dirs, entry('Maildir/cur/1.a,S=10:2,S', 10)],
        [bob.destDir]: dirs,
      }),
    });
    const source = new FakeRemote('old').answer({
      match: LISTING,
      stdout: (stdin) => {
        // Only the mailboxes that differed are listed again.
        expect(stdin.toString()).toBe(`${alice.sourceDir}\n${bob.sourceDir}\n`);
        return listing({ [alice.sourceDir]: read, [bob.sourceDir]: listedBob });
      },
    });
    const verdicts = await verifyCopied(source, dest, [
      { box: alice, listed: listedAlice },
      { box: bob, listed: listedBob },
    ]);
    expect(verdicts.map((v) => [v.label, v.problems.map((p) => `${p.problem} ${p.path}`)])).toEqual([
      [alice.label, []],
      [bob.label, ['missing Maildir/new/2.b,S=20']],
    ]);
    expect(source.asked).toHaveLength(1);
  });

  it('finds a message cut short on the destination, whatever the source did since', async () => {
    const listed = [...dirs, entry('Maildir/cur/3.c,S=300:2,S', 300)];
    const dest = new FakeRemote('new').answer({
      match: LISTING,
      stdout: listing({ [alice.destDir]: [...dirs, entry('Maildir/cur/3.c,S=300:2,S', 120)] }),
    });
    const source = new FakeRemote('old').answer({
      match: LISTING,
      stdout: listing({ [alice.sourceDir]: listed }),
    });
    const [verdict] = await verifyCopied(source, dest, [{ box: alice, listed }]);
    expect(verdict?.problems).toEqual([
      { path: 'Maildir/cur/3.c,S=300:2,S', problem: 'size', destinationPath: 'Maildir/cur/3.c,S=300:2,S' },
    ]);
  });
});
