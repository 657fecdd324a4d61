/**
 * The source's side of a group of mailboxes, whether each is a Maildir or an mbox (a system
 * account's, mbox-relay.ts): the Maildirs read in one command as always, each mbox by reading
 * it, the answers in the group's order.
 */
import { ConnectionError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { listMaildirs, type MaildirEntry } from './listing.js';
import { listMbox, mboxChecksums } from './mbox-relay.js';
import type { Mailbox } from './sync.js';
import { messageChecksums } from './verify.js';

/** The Maildirs' answers (one call for all) and each mbox's, merged back in the group's order. */
async function inOrder<T>(
  boxes: readonly Mailbox[],
  maildirs: (dirs: string[]) => Promise<T[]>,
  mbox: (path: string) => Promise<T>,
  none: T,
): Promise<T[]> {
  const dirs = boxes.filter((b) => b.mbox === undefined).map((b) => b.sourceDir);
  const [listed, ...mboxes] = await Promise.all([
    dirs.length === 0 ? [] : maildirs(dirs),
    ...boxes.flatMap((b) => (b.mbox === undefined ? [] : [mbox(b.mbox)])),
  ]);
  let m = 0;
  let x = 0;
  return boxes.map((b) => (b.mbox === undefined ? (listed[m++] ?? none) : (mboxes[x++] ?? none)));
}

/**
 * Listings for a sync pass. An mbox that cannot be read (not an mbox, a message too large)
 * fails its own mailbox, not the group's listing: its entry is the error.
 */
export function sourceListings(
  source: Remote,
  boxes: readonly Mailbox[],
  what: string,
): Promise<Array<MaildirEntry[] | Error>> {
  return inOrder<MaildirEntry[] | Error>(
    boxes,
    (dirs) => listMaildirs(source, dirs, what),
    async (path) => {
      try {
        return await listMbox(source, path);
      } catch (e) {
        if (e instanceof ConnectionError) throw e;
        return e instanceof Error ? e : new Error(String(e));
      }
    },
    [],
  );
}

/** Listings for verification: any failure is the verification's. */
export function sourceListingsOrFail(source: Remote, boxes: readonly Mailbox[]): Promise<MaildirEntry[][]> {
  return inOrder(
    boxes,
    (dirs) => listMaildirs(source, dirs),
    (path) => listMbox(source, path),
    [],
  );
}

/** SHA-256 of every message, by path under the user directory (an mbox's computed as it is read). */
export function sourceChecksums(
  source: Remote,
  boxes: readonly Mailbox[],
): Promise<Array<Map<string, string>>> {
  return inOrder(
    boxes,
    (dirs) => messageChecksums(source, dirs),
    (path) => mboxChecksums(source, path),
    new Map<string, string>(),
  );
}
