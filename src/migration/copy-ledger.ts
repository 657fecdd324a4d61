/** The ledger of copied messages (see CopyLedger), kept in the state store per source, destination and domain. */
import type { CopiedMessages } from '../state/copied-messages.js';
import type { CopyLedger } from './transfer.js';

export function copyLedger(
  copied: CopiedMessages,
  where: { source: string; destination: string; domain: string },
): CopyLedger {
  const at = (mailbox: string) => ({ ...where, mailbox });
  return {
    written: (box) => copied.written(at(box.label)),
    copying: (box, keys) => copied.record(at(box.label), keys),
    confirmed: (box, keys) => copied.confirm(at(box.label), keys),
    renamed: (box, keys) => copied.moved(at(box.label), keys),
    deleted: (box, keys) => copied.forget(at(box.label), keys),
  };
}
