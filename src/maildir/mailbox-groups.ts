/**
 * Mailboxes in groups that one command lists (and one pass plans, and tar streams carry) at
 * once: consecutive mailboxes whose listings together are expected to stay within a bound, so
 * that the commands of a domain grow with what it holds, not with its mailbox count, and the
 * listings held in memory at once stay bounded. The grouping itself is pure.
 */
import pLimit from 'p-limit';
import { relieveHeapNow } from '../remote/heap-relief.js';
import type { Mailbox } from './sync.js';

/** Entries of the listings one group holds at most (unless one mailbox alone has more). */
export const GROUP_ENTRIES = 5000;

const weightOf = (box: Mailbox) => Math.max(1, box.expected ?? 1);

/**
 * The first group is smaller, and listed alone: nothing streams before a group is listed on
 * both sides, and a twentieth of the bound is listed in a twentieth of the time (2,000 small
 * mailboxes: the first stream 0.04 s into the transfer instead of 0.17).
 */
const FIRST_GROUP_SHARE = 20;

export function groupMailboxes(boxes: readonly Mailbox[], maxEntries = GROUP_ENTRIES): Mailbox[][] {
  const groups: Mailbox[][] = [];
  let group: Mailbox[] = [];
  let entries = 0;
  for (const box of boxes) {
    const n = weightOf(box);
    const bound = groups.length === 0 ? Math.ceil(maxEntries / FIRST_GROUP_SHARE) : maxEntries;
    if (group.length > 0 && entries + n > bound) {
      groups.push(group);
      group = [];
      entries = 0;
    }
    group.push(box);
    entries += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Listed entries of all groups in flight at once, unless a single group alone has more. */
export const ENTRIES_IN_FLIGHT = 4 * GROUP_ENTRIES;

/** Groups listed and planned at once, ahead of the streams. */
export function groupsInFlight(concurrency: number): number {
  return Math.max(2, Math.ceil(concurrency / 2));
}

/**
 * Runs `work` on each group of `boxes`, a few groups at once and no more than ENTRIES_IN_FLIGHT
 * expected entries being listed and planned at once (a heavier group runs alone): the listings
 * of a few big mailboxes are not all held at once. A group that calls `planned` has turned its
 * listings into a plan (what it sends, not everything listed): the next group may then be
 * listed while its streams run, so that a stream slot never waits for a listing. What a group
 * held is garbage once its work is done, so the heap is checked against its budget then
 * (remote/heap-relief.ts).
 */
export async function forEachGroup(
  boxes: readonly Mailbox[],
  concurrency: number,
  work: (group: Mailbox[], planned: () => void) => Promise<void>,
): Promise<void> {
  const limit = pLimit(groupsInFlight(concurrency));
  const held = weightLimit(ENTRIES_IN_FLIGHT);
  // The first group is listed alone: the streams wait for it, not for the others' listings.
  let firstListed = () => {};
  const first = new Promise<void>((settle) => (firstListed = settle));
  // A group that throws stops the groups not yet begun; those in flight are waited for, so
  // that nothing still streams when the caller hears of the failure (and releases its lock).
  let failed = false;
  const settled = await Promise.allSettled(
    groupMailboxes(boxes).map((group, i) =>
      limit(async () => {
        if (i > 0) await first;
        if (failed) return;
        const release = await held(group.reduce((n, b) => n + weightOf(b), 0));
        const planned = () => {
          release();
          if (i === 0) firstListed();
        };
        try {
          await work(group, planned);
        } catch (error) {
          failed = true;
          throw error;
        } finally {
          planned();
          relieveHeapNow();
        }
      }),
    ),
  );
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * Admits holders of weights so that those held at once stay within `budget` (one heavier than
 * the budget is held alone). The function returned by the wait releases the weight; again is
 * a no-op.
 */
export function weightLimit(budget: number): (weight: number) => Promise<() => void> {
  let held = 0;
  let holders = 0;
  let waiting: Array<() => void> = [];
  return async (weight) => {
    while (holders > 0 && held + weight > budget) await new Promise<void>((wake) => waiting.push(wake));
    held += weight;
    holders += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held -= weight;
      holders -= 1;
      const woken = waiting;
      waiting = [];
      woken.forEach((wake) => wake());
    };
  };
}
