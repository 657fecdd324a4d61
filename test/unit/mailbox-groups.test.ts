import { describe, expect, it } from 'vitest';
import { groupMailboxes, weightLimit } from '../../src/maildir/mailbox-groups.js';
import type { Mailbox } from '../../src/maildir/sync.js';
import { combinedTrees, placeBelow } from '../../src/maildir/tar-relay.js';
import { quotaRebuild } from '../../src/vpopmail/quota-rebuild.js';

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

describe('rebuilding quota files', () => {
  const users = (quotas: string[]) => quotas.map((quota, i) => ({ name: `u${i}`, quota }));
  const all = (n: number) => new Set(Array.from({ length: n }, (_, i) => `u${i}`));

  it('is one command for the domain when every user has the same quota', () => {
    const r = quotaRebuild(
      '/vp/bin',
      { name: 'ex.com', dir: '/vp/domains/ex.com' },
      users(['50S', '50S', '50S']),
      all(3),
    );
    expect(r.domainWide?.argv.slice(-4)).toEqual([
      '/vp/domains/ex.com/vpasswd',
      '/vp/bin/vmoduser',
      '50S',
      'ex.com',
    ]);
    // The fallback, should a quota have changed meanwhile: only the changed mailboxes.
    expect(r.perUser).toHaveLength(3);
  });

  it('is one vmoduser -n -q per changed mailbox with a quota otherwise, never for NOQUOTA', () => {
    const r = quotaRebuild(
      '/vp/bin',
      { name: 'ex.com', dir: '/d' },
      users(['50S', 'NOQUOTA', '100S,10C', '', '20m']),
      new Set(['u0', 'u1', 'u3', 'u4']),
    );
    expect(r.domainWide).toBeUndefined();
    expect(r.perUser.map((s) => s.argv.join(' '))).toEqual([
      '/vp/bin/vmoduser -n -q 50S u0@ex.com',
      // Not in vpopmail's own form: vsetuserquota, which upper-cases it first, as before.
      '/vp/bin/vsetuserquota u4@ex.com 20m',
    ]);
  });

  it('is nothing when no mailbox changed', () => {
    const r = quotaRebuild('/vp/bin', { name: 'ex.com', dir: '/d' }, users(['50S', '50S']), new Set());
    expect(r.perUser).toEqual([]);
    expect(r.domainWide).toBeUndefined();
  });
});
