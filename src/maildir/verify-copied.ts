/**
 * The verification of mailboxes just copied (a move's, group by group while the next groups
 * stream): the destination listed again, one command for them all, and each mailbox compared
 * with the source's listing its copy was planned from, so the source is not walked a second
 * time. A mailbox that differs from that listing is listed again on the source, and only what
 * differs from the source as it is now counts: mail read, moved or deleted on a live source
 * since the listing is no difference of the copy (the next sync brings it), while a message the
 * destination lacks and the source still has, or a size or a name the copy got wrong, is one.
 */
import type { Remote } from '../remote/remote.js';
import type { WrittenMessage } from './delta.js';
import { listMaildirs, type MaildirEntry } from './listing.js';
import { sourceListingsOrFail } from './source-mailboxes.js';
import type { Mailbox } from './sync.js';
import { compareMailbox, type MailboxVerdict } from './verify.js';

export async function verifyCopied(
  source: Remote,
  dest: Remote,
  copied: ReadonlyArray<{ box: Mailbox; listed: readonly MaildirEntry[] }>,
  written?: (box: Mailbox) => ReadonlyMap<string, WrittenMessage>,
): Promise<MailboxVerdict[]> {
  if (copied.length === 0) return [];
  const onDest = await listMaildirs(
    dest,
    copied.map((c) => c.box.destDir),
  );
  const compare = ({ box }: { box: Mailbox }, i: number, listed: readonly MaildirEntry[]) =>
    compareMailbox(box.label, listed, onDest[i] ?? [], undefined, written && (() => written(box)));
  const verdicts = copied.map((c, i) => compare(c, i, c.listed));
  const differ = copied.flatMap((c, i) => ((verdicts[i]?.problems.length ?? 0) > 0 ? [{ c, i }] : []));
  if (differ.length > 0) {
    const now = await sourceListingsOrFail(
      source,
      differ.map(({ c }) => c.box),
    );
    differ.forEach(({ c, i }, j) => (verdicts[i] = compare(c, i, now[j] ?? [])));
  }
  return verdicts;
}
