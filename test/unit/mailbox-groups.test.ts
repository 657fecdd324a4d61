import { describe, expect, it } from 'vitest';
import {
  ENTRIES_IN_FLIGHT,
  forEachGroup,
  groupMailboxes,
  weightLimit,
} from '../../src/maildir/mailbox-groups.js';
import type { Mailbox } from '../../src/maildir/sync.js';
import { combinedTrees, placeBelow, placesOf, placingTransform } from '../../src/maildir/tar-relay.js';
import { quotaFileUsers, quotaFilesCommand } from '../../src/vpopmail/quota-rebuild.js';

const box = (name: string, expected: number): Mailbox => ({
  label: `${name}@ex.com`,
  sourceDir: `/old/ex.com/${name}`,
  destDir: `/new/ex.com/0/${name}`,
  owner: { uid: 89, gid: 89 },
  expected,
});

describe('groups of mailboxes', () => {
  it('are consecutive, within the bound (a fifth of it for the first), and a mailbox above it is alone', () => {
    const boxes = [
      box('a', 15),
      box('b', 10),
      box('c', 40),
      box('d', 50),
      box('e', 20),
      box('f', 500),
      box('g', 5),
    ];
    const groups = groupMailboxes(boxes, 100).map((g) => g.map((b) => b.label[0]).join(''));
    expect(groups).toEqual(['a', 'bcd', 'e', 'f', 'g']);
    expect(groupMailboxes(boxes, 400).map((g) => g.map((b) => b.label[0]).join(''))).toEqual([
      'a',
      'bcde',
      'f',
      'g',
    ]);
  });

  it('of 2,000 small mailboxes are a handful, not 2,000', () => {
    const boxes = Array.from({ length: 2000 }, (_, i) => box(`u${i}`, 14));
    // The first group holds a twentieth of the bound: streams start after a short listing.
    const groups = groupMailboxes(boxes);
    expect(groups[0]?.length).toBe(Math.floor(250 / 14));
    expect(groups.length).toBe(1 + Math.ceil((2000 - Math.floor(250 / 14)) / Math.floor(5000 / 14)));
  });
});

describe('groups in flight', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // Each alone in its group, and two weigh more than may be listed at once.
  const heavy = ['a', 'b', 'c'].map((n) => box(n, ENTRIES_IN_FLIGHT * 0.6));

  async function order(callPlanned: boolean): Promise<string[]> {
    const log: string[] = [];
    await forEachGroup(heavy, 8, async (group, planned) => {
      const n = group[0]!.label[0];
      log.push(`list ${n}`);
      await sleep(5);
      if (callPlanned) planned();
      await sleep(30); // its streams
      log.push(`done ${n}`);
    });
    return log;
  }

  it('list the next group while a planned group streams', async () => {
    const log = await order(true);
    expect(log.indexOf('list b')).toBeLessThan(log.indexOf('done a'));
    expect(log.indexOf('list c')).toBeLessThan(log.indexOf('done b'));
  });

  it('list the first group alone: the others wait until it is planned', async () => {
    const log: string[] = [];
    const light = ['a', 'b', 'c'].map((n) => box(n, 200)); // a alone in the first group
    await forEachGroup(light, 8, async (group, planned) => {
      const n = group.map((b) => b.label[0]).join('');
      log.push(`list ${n}`);
      await sleep(5);
      log.push(`planned ${n}`);
      planned();
      await sleep(30);
    });
    expect(log.slice(0, 3)).toEqual(['list a', 'planned a', 'list bc']);
  });

  it('wait for a group that holds its listings (not planned) to end', async () => {
    const log = await order(false);
    expect(log).toEqual(['list a', 'done a', 'list b', 'done b', 'list c', 'done c']);
  });
});

describe('a weight limit', () => {
  it('keeps the weight in flight within the budget, and runs a heavier task alone', async () => {
    const limit = weightLimit(10);
    let held = 0;
    let most = 0;
    let alone = true;
    const task = async (w: number) => {
      const release = await limit(w);
      held += w;
      most = Math.max(most, held);
      if (w > 10 && held !== w) alone = false;
      await new Promise((r) => setTimeout(r, 5));
      held -= w;
      release();
      release(); // a second release gives nothing back
    };
    await Promise.all([4, 4, 4, 25, 3, 3, 6].map(task));
    expect(most).toBe(25);
    expect(alone).toBe(true);
    const light = weightLimit(10);
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      [4, 4, 4, 3, 3, 6].map(async (w) => {
        const release = await light(w);
        inFlight += w;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= w;
        release();
      }),
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
    // The destination's tar puts each part at its user's place there, under the stage's .p/.
    expect(placingTransform(trees!.destBase, trees!.targets)).toBe(
      's,^alice/,.p/0/alice/,S;s,^1/bob/,.p/bob/,S',
    );
    // A user directory whose Maildir arrives whole is staged under .s/, to be renamed into place.
    const fresh = combinedTrees({ source: '/old/ex.com', dest: '/new/ex.com' }, [
      { sourceBase: '/old/ex.com/alice', destBase: '/new/ex.com/0/alice', members: ['Maildir'], fresh: true },
      { sourceBase: '/old/ex.com/1/bob', destBase: '/new/ex.com/bob', members: ['Maildir/new/2'] },
    ]);
    expect(placingTransform(fresh!.destBase, fresh!.targets)).toBe(
      's,^alice/,.s/0/alice/,S;s,^1/bob/,.p/bob/,S',
    );
    // A user directory outside the domain directory streams alone.
    expect(
      combinedTrees({ source: '/old/ex.com', dest: '/new/ex.com' }, [
        { sourceBase: '/elsewhere/carol', destBase: '/new/ex.com/carol', members: ['Maildir'] },
      ]),
    ).toBeUndefined();
  });
});

describe('which user directories may share a stream', () => {
  const bases = { source: '/old/ex.com', dest: '/new/ex.com' };
  it('those plainly named: the transform needs no quoting, and only a dot is escaped', () => {
    expect(placesOf(bases, { source: '/old/ex.com/0/j.doe', dest: '/new/ex.com/j.doe' })).toEqual({
      archived: '0/j.doe',
      dest: 'j.doe',
    });
    expect(placingTransform('/new/ex.com', [{ archived: '0/j.doe', dest: '/new/ex.com/j.doe' }])).toBe(
      's,^0/j\\.doe/,.p/j.doe/,S',
    );
    for (const odd of ['0/a,b', '0/a b', "0/it's", '0/a\\b', '.hidden/x', '.p', '0/a\nb', '0/a&b'])
      expect(placesOf(bases, { source: `/old/ex.com/${odd}`, dest: '/new/ex.com/x' }), odd).toBeUndefined();
    expect(() => placingTransform('/new/ex.com', [{ archived: 'a,b', dest: '/new/ex.com/a' }])).toThrow();
    expect(() => placingTransform('/new/ex.com', [{ archived: 'a', dest: '/elsewhere/a' }])).toThrow();
  });
  it('not when one place holds another: a member would match two transforms', () => {
    const tree = (source: string, dest: string) => ({
      sourceBase: source,
      destBase: dest,
      members: ['Maildir'],
    });
    expect(
      combinedTrees(bases, [
        tree('/old/ex.com/a', '/new/ex.com/a'),
        tree('/old/ex.com/a/b', '/new/ex.com/b'),
      ]),
    ).toBeUndefined();
    expect(
      combinedTrees(bases, [
        tree('/old/ex.com/a', '/new/ex.com/x'),
        tree('/old/ex.com/b', '/new/ex.com/x/y'),
      ]),
    ).toBeUndefined();
    expect(
      combinedTrees(bases, [tree('/old/ex.com/a', '/new/ex.com/b'), tree('/old/ex.com/b', '/new/ex.com/a')]),
    ).toBeDefined();
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
    expect(cmd?.stdin).toBe('50S /d/a/Maildir\n100S,10C /d/0/c/Maildir\n@@end\n');
  });

  it('is nothing when no mailbox changed', () => {
    expect(quotaFilesCommand(quotaFileUsers(users, new Set()), { uid: 1, gid: 1 })).toBeUndefined();
  });
});
