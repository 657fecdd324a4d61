/**
 * Mailboxes in groups that one command lists (and one pass plans, and tar streams carry) at
 * once: consecutive mailboxes whose listings together are expected to stay within a bound, so
 * that the commands of a domain grow with what it holds, not with its mailbox count, and the
 * listings held in memory at once stay bounded. Pure.
 */
import type { Mailbox } from './sync.js';

/** Entries of the listings one group holds at most (unless one mailbox alone has more). */
export const GROUP_ENTRIES = 5000;

export function groupMailboxes(boxes: readonly Mailbox[], maxEntries = GROUP_ENTRIES): Mailbox[][] {
  const groups: Mailbox[][] = [];
  let group: Mailbox[] = [];
  let entries = 0;
  for (const box of boxes) {
    const n = Math.max(1, box.expected ?? 1);
    if (group.length > 0 && entries + n > maxEntries) {
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
