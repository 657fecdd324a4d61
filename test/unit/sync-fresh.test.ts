/**
 * A mailbox the destination has as vadduser made it (an empty Maildir) is sent whole in a
 * stream of many, its Maildir's own directories included, and marked so that the extractor
 * renames it into place; one that holds anything else is placed file by file as before.
 */
import { describe, expect, it } from 'vitest';
import type { MaildirEntry } from '../../src/maildir/listing.js';
import { syncMailboxes, type Mailbox } from '../../src/maildir/sync.js';
import type { TreeRelay } from '../../src/maildir/tar-relay.js';
import { FakeRemote } from '../helpers/fake-remote.js';
import { listingRecords as listing } from '../helpers/listing-records.js';

const box = (user: string): Mailbox => ({
  label: `${user}@example.com`,
  sourceDir: `/old/domains/example.com/${user}`,
  destDir: `/new/domains/example.com/0/${user}`,
  owner: { uid: 89, gid: 89 },
});

const entry = (path: string, type = 'd', size = 4096): MaildirEntry => ({
  path,
  type,
  size,
  mtime: 1,
  mode: '0700',
});
const SKELETON = ['Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp'].map((p) => entry(p));

describe('a first copy into the Maildir vadduser made', () => {
  it('is sent whole and marked fresh; a Maildir that holds a message is not', async () => {
    const [alice, bob, carol] = [box('alice'), box('bob'), box('carol')];
    const message = entry('Maildir/cur/1.a,S=10:2,S', 'f', 10);
    const source = new FakeRemote('old').answer({
      match: /-name tmp -printf/,
      stdout: listing({
        [alice.sourceDir]: [...SKELETON, message],
        [bob.sourceDir]: [...SKELETON, message],
        // Nothing to send: no stream for it, fresh or not.
        [carol.sourceDir]: SKELETON,
      }),
    });
    const dest = new FakeRemote('new').answer({
      match: /-name tmp -printf/,
      stdout: listing({
        [alice.destDir]: SKELETON,
        [bob.destDir]: [...SKELETON, entry('Maildir/new/2.b,S=5', 'f', 5)],
        [carol.destDir]: SKELETON,
      }),
    });
    const jobs: TreeRelay[] = [];
    const outcome = await syncMailboxes(
      source,
      dest,
      [alice, bob, carol],
      {},
      {
        bases: { source: '/old/domains/example.com', dest: '/new/domains/example.com' },
        tree: (_s, _d, job) => {
          jobs.push(job);
          return Promise.resolve({ vanished: 0, vanishedNames: [] });
        },
      },
    );
    expect(outcome.failures).toEqual([]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.targets).toEqual([
      { archived: 'alice', dest: alice.destDir, fresh: true },
      { archived: 'bob', dest: bob.destDir },
    ]);
    expect(jobs[0]?.members).toEqual([
      'alice/Maildir',
      'alice/Maildir/cur',
      'alice/Maildir/new',
      'alice/Maildir/tmp',
      'alice/Maildir/cur/1.a,S=10:2,S',
      'bob/Maildir/cur/1.a,S=10:2,S',
    ]);
  });
});
