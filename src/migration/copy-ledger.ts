/** The ledger of what vmigrate wrote (see CopyLedger), kept in the state store per source, destination and domain. */
import type { Records } from '../state/records.js';
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
