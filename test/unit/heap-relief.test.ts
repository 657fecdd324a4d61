import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { relieveHeap, relieveHeapNow } from '../../src/remote/heap-relief.js';

const MiB = 1024 * 1024;
const used = () => getHeapStatistics().used_heap_size;

/** About `mb` MB of small objects that survive a scavenge, as a mailbox's listings do. */
function heapGarbage(mb: number): unknown[] {
  const held: unknown[] = [];
  for (let i = 0; i < mb * 12_000; i++) held.push({ path: `Maildir/cur/${i}.M1P2.host,S=1000:2,S`, size: i });
  return held;
}

describe('heap relief', () => {
  it('collects the old generation once bytes stream through with more than its budget on the heap', () => {
    const held = { listings: heapGarbage(60) as unknown[] | undefined };
    const before = used();
    expect(before).toBeGreaterThan(60 * MiB);
    delete held.listings;
    relieveHeap(MiB);
    // A full collection ran: the dead listings are gone, not merely counted.
    expect(used()).toBeLessThan(before - 40 * MiB);
  });

  it('leaves a heap under its budget alone between groups', () => {
    // Whatever this worker ran before, the heap starts within its budget (the budget is at
    // least half as much again as what a full collection leaves).
    relieveHeapNow();
    const live = heapGarbage(1);
    const before = used();
    relieveHeapNow();
    expect(used()).toBeGreaterThanOrEqual(before - MiB);
    expect(live.length).toBeGreaterThan(0);
  });
});
