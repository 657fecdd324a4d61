/** The ledger of copied messages (see CopyLedger), kept in the state store per source, destination and domain. */
import type { RunStore } from '../state/runs.js';
import type { CopyLedger } from './transfer.js';

export function copyLedger(
  runs: RunStore,
  where: { source: string; destination: string; domain: string },
): CopyLedger {
  const at = (mailbox: string) => ({ ...where, mailbox });
  return {
    copied: (box) => runs.copiedMessages(at(box.label)),
    copying: (box, keys) => runs.recordCopied(at(box.label), keys),
    deleted: (box, keys) => runs.forgetCopied(at(box.label), keys),
  };
}
