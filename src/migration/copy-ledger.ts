/** The ledger of what vmigrate wrote (see CopyLedger), kept in the state store per source, destination and domain. */
import type { Records } from '../state/records.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import type { CopyLedger } from './transfer.js';

export function copyLedger(
  ledgers: Pick<Records, 'copied' | 'copiedFiles'>,
  where: { source: string; destination: string; domain: string },
): CopyLedger {
  const { copied, copiedFiles } = ledgers;
  const at = (mailbox: string) => ({ ...where, mailbox });
  return {
    written: (box) => copied.written(at(box.label)),
    copying: (box, keys) => copied.record(at(box.label), keys),
    confirmed: (box, keys) => copied.confirm(at(box.label), keys),
    renamed: (box, keys) => copied.moved(at(box.label), keys),
    deleted: (box, keys) => copied.forget(at(box.label), keys),
    writtenFiles: (box) => copiedFiles.written(at(box.label)),
    copyingFiles: (box, files) => copiedFiles.record(at(box.label), files),
    confirmedFiles: (box, paths) => copiedFiles.confirm(at(box.label), paths),
  };
}

/**
 * Before provisioning: the ledger of each mailbox the destination does not have (the whole
 * domain when it has none) is forgotten. It can only describe a directory since removed (the
 * domain or user deleted and made again, say to start over), and trusting it would take every
 * message vmigrate once copied there for one a user deleted: none would be sent again. Done
 * before vadduser runs, so a run that stops in between forgets nothing it still needs.
 * Returns the mailboxes forgotten (every one of the source's when the domain is absent).
 */
export function forgetAbsentMailboxes(
  ledgers: Pick<Records, 'copied' | 'copiedFiles'>,
  where: { source: string; destination: string; domain: string },
  source: Inventory,
  dest: Inventory | undefined,
): string[] {
  const present = new Set(dest?.users.map((u) => u.name));
  const absent = source.users.filter((u) => !present.has(u.name)).map((u) => `${u.name}@${where.domain}`);
  const mailboxes = dest === undefined ? undefined : absent;
  if (mailboxes?.length === 0) return [];
  ledgers.copied.forgetMailboxes(where, mailboxes);
  ledgers.copiedFiles.forgetMailboxes(where, mailboxes);
  return absent;
}
