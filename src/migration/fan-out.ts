/** Several listeners of a transfer's events as one. */
import type { TransferEvents } from './transfer.js';

/** Calls every listener of each event, in order (any event one of them listens to). */
export function fanOut(...all: TransferEvents[]): TransferEvents {
  const keys = new Set(all.flatMap((e) => Object.keys(e))) as Set<keyof TransferEvents>;
  const out: Record<string, (...args: unknown[]) => void> = {};
  for (const k of keys)
    out[k] = (...args: unknown[]) => {
      for (const e of all) (e[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
    };
  return out;
}
