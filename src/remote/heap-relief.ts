/**
 * Keeping the controller's memory flat while bytes stream through it (relayed tar streams,
 * listings and checksums read record by record).
 *
 * ssh2 decrypts each packet into a new Buffer whose bytes live outside V8's heap; the Buffer
 * objects themselves are tiny, so the young generation fills slowly and V8 collects them late:
 * at 100+ MB/s tens of MB of dead packet buffers piled up. A minor collection (a scavenge of the
 * young generation, about a millisecond) after every 4 MiB relayed frees them as they die.
 *
 * What outlives a scavenge or two (a mailbox's listings while it is planned and compared, the
 * packets in flight at that moment) moves to the old generation, which V8 lets grow to 100 MB
 * and more before its first full collection: the first move of 47,000 small messages peaked at
 * 213–227 MB resident, with 20–30 MB of it live. A full collection whenever the heap holds more
 * than HEAP_FLOOR, or half as much again as the last one left, keeps it near what is live: a
 * few full collections per move, tens of milliseconds each (docs/performance.md).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MINOR_EVERY = 4 * 1024 * 1024;
const CHECK_EVERY = 1024 * 1024;
const HEAP_FLOOR = 40 * 1024 * 1024;
/**
 * Buffers outside the heap (external memory: ssh2's WebAssembly memory, about 19 MB, and every
 * packet and socket buffer). Those that lived through a minor collection or two, because the
 * streams had them in flight, die in the old generation, which only a full collection frees:
 * a thread that relays and does little else (stream-thread.ts) piled up 90 MB of them. Over
 * EXTERNAL_HIGH: a minor collection, then a full one, at most one per EXTERNAL_FULL_EVERY
 * bytes streamed. (The budget is not raised after a collection: its buffers are freed by a
 * sweeper after it returns, so what it leaves cannot be read right away.)
 */
const EXTERNAL_HIGH = 48 * 1024 * 1024;
const EXTERNAL_FULL_EVERY = 16 * 1024 * 1024;

type Collector = (options?: { type: 'minor' }) => void;

function exposeCollector(): Collector | undefined {
  try {
    setFlagsFromString('--expose-gc');
    // The flag only adds `gc` to contexts created after it: a fresh one has it.
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof gc === 'function' ? (gc as Collector) : undefined;
  } catch {
    return undefined;
  }
}

let collector: Collector | undefined | null = null;
let sinceMinor = 0;
let sinceCheck = 0;
let budget = HEAP_FLOOR;
let sinceExternalFull = EXTERNAL_FULL_EVERY;

/**
 * A full collection if the heap, or the buffers outside it, grew past their budgets since the
 * last one. Buffers first get a minor collection: most die young.
 */
function collectIfOverBudget(gc: Collector): boolean {
  const heap = getHeapStatistics();
  if (heap.used_heap_size < budget) {
    if (heap.external_memory < EXTERNAL_HIGH || sinceExternalFull < EXTERNAL_FULL_EVERY) return false;
    gc({ type: 'minor' });
    if (getHeapStatistics().external_memory < EXTERNAL_HIGH) return false;
  }
  // Without arguments: in Node 20 an options object, even `{ type: 'major' }`, freed nothing.
  gc();
  sinceExternalFull = 0;
  budget = Math.max(HEAP_FLOOR, getHeapStatistics().used_heap_size * 1.5);
  return true;
}

/** Counts bytes that went through the controller; collects garbage as said above. */
export function relieveHeap(bytes: number): void {
  sinceCheck += bytes;
  if (sinceCheck < CHECK_EVERY) return;
  sinceCheck = 0;
  sinceMinor += CHECK_EVERY;
  sinceExternalFull += CHECK_EVERY;
  if (collector === null) collector = exposeCollector();
  if (!collector) return;
  if (collectIfOverBudget(collector)) sinceMinor = 0;
  else if (sinceMinor >= MINOR_EVERY) {
    sinceMinor = 0;
    collector({ type: 'minor' });
  }
}

/** Between two pieces of work that each held a lot (groups of mailboxes): the same check. */
export function relieveHeapNow(): void {
  if (collector === null) collector = exposeCollector();
  if (collector) collectIfOverBudget(collector);
}
