import { describe, expect, it } from 'vitest';
import { groupMailboxes, weightLimit } from '../../src/maildir/mailbox-groups.js';
import type { Mailbox } from '../../src/maildir/sync.js';
import { combinedTrees, placeBelow } from '../../src/maildir/tar-relay.js';
import { quotaFileUsers, quotaFilesCommand } from '../../src/vpopmail/quota-rebuild.js';

const box = (name: string, expected: number): Mailbox => ({
  label: `${name}@ex.com`,
  sourceDir: `/old/ex.com/${name}`,
  destDir: `/new/ex.com/0/${name}`,
  owner: { uid: 89, gid: 89 },
  expected,
});

describe('groups of mailboxes', () => {
  it('are consecutive, within the bound, and a mailbox above it is alone', () => {
    const boxes = [box('a', 40), box('b', 50), box('c', 20), box('d', 500), box('e', 5), box('f', 5)];
    const groups = groupMailboxes(boxes, 100).map((g) => g.map((b) => b.label[0]).join(''));
    expect(groups).toEqual(['ab', 'c', 'd', 'ef']);
  });

  it('of 2,000 small mailboxes are a handful, not 2,000', () => {
    const boxes = Array.from({ length: 2000 }, (_, i) => box(`u${i}`, 14));
    expect(groupMailboxes(boxes).length).toBe(Math.ceil((2000 * 14) / 5000));
  });
});

describe('a weight limit', () => {
  it('keeps the weight in flight within the budget, and runs a heavier task alone', async () => {
    const limit = weightLimit(10);
    let held = 0;
    let most = 0;
    let alone = true;
    const task = (w: number) =>
      limit(w, async () => {
        held += w;
        most = Math.max(most, held);
        if (w > 10 && held !== w) alone = false;
        await new Promise((r) => setTimeout(r, 5));
        held -= w;
      });
    await Promise.all([4, 4, 4, 25, 3, 3, 6].map(task));
    expect(most).toBe(25);
    expect(alone).toBe(true);
    const light = weightLimit(10);
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      [4, 4, 4, 3, 3, 6].map((w) =>
        light(w, async () => {
          inFlight += w;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight -= w;
        }),
      ),
    );
    expect(peak).toBeLessThanOrEqual(10);
    expect(peak).toBeGreaterThan(4);
  });
});

describe('a stream of many user directories', () => {
  it('names each by its place below the domain directory and moves it into its own', () => {
    expect(placeBelow('/old/ex.com', '/old/ex.com/0/alice')).toBe('0/alice');
    expect(placeBelow('/old/ex.com', '/old/ex.com')).toBeUndefined();
    expect(placeBelow('/old/ex.com', '/old/ex.comx/alice')).toBeUndefined();
    expect(placeBelow('/old/ex.com', '/old/ex.com/../etc')).toBeUndefined();
    const trees = combinedTrees({ source: '/old/ex.com', dest: '/new/ex.com' }, [
      {
        sourceBase: '/old/ex.com/alice',
        destBase: '/new/ex.com/0/alice',
        members: ['Maildir', 'Maildir/cur/1'],
      },
      { sourceBase: '/old/ex.com/1/bob', destBase: '/new/ex.com/bob', members: ['Maildir/new/2'] },
    ]);
    expect(trees).toEqual({
      sourceBase: '/old/ex.com',
      destBase: '/new/ex.com',
      members: ['alice/Maildir', 'alice/Maildir/cur/1', '1/bob/Maildir/new/2'],
      targets: [
        { archived: 'alice', dest: '/new/ex.com/0/alice' },
        { archived: '1/bob', dest: '/new/ex.com/bob' },
      ],
    });
    // A user directory outside the domain directory streams alone.
    expect(
      combinedTrees({ source: '/old/ex.com', dest: '/new/ex.com' }, [
        { sourceBase: '/elsewhere/carol', destBase: '/new/ex.com/carol', members: ['Maildir'] },
      ]),
    ).toBeUndefined();
  });
});

describe('counting quota files again', () => {
  const users = [
    { name: 'a', quota: '50S', dir: '/d/a' },
    { name: 'b', quota: 'NOQUOTA', dir: '/d/b' },
    { name: 'c', quota: '100S,10C', dir: '/d/0/c/' },
    { name: 'd', quota: '', dir: '/d/d' },
    { name: 'e', quota: '20S', dir: '/d/e' },
  ];

  it('is for the changed mailboxes under a quota, all in one command', () => {
    const todo = quotaFileUsers(users, new Set(['a', 'b', 'c', 'd']));
    expect(todo.map((u) => u.name)).toEqual(['a', 'c']);
    const cmd = quotaFilesCommand(todo, { uid: 89, gid: 89 });
    expect(cmd?.argv.at(-1)).toBe('89:89');
    expect(cmd?.stdin).toBe('50S /d/a/Maildir\n100S,10C /d/0/c/Maildir\n');
  });

  it('is nothing when no mailbox changed', () => {
    expect(quotaFilesCommand(quotaFileUsers(users, new Set()), { uid: 1, gid: 1 })).toBeUndefined();
  });
});
