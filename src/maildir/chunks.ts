/**
 * Splitting one mailbox's copy into streams that run side by side. One stream per mailbox
 * leaves a big mailbox on a single channel (ssh2's fixed 2 MiB window: about 23 MB/s at 20 ms
 * each way) and the last mailbox of a domain running alone; slices of a bounded size keep
 * every channel busy until the end. Pure.
 */

export interface ChunkLimits {
  maxBytes: number;
  maxFiles: number;
}

export interface CopyPlan {
  /** Directory entries: sent first (GNU tar's mkdir race, see docs/performance.md) and last (their mtimes). */
  dirs: string[];
  /** Everything else, in slices; empty when nothing but directories is copied. */
  chunks: string[][];
}

/**
 * `members` as planDelta orders them (directories first); `sizeOf` gives each file's size.
 * Slices keep planDelta's order, so each stays within few folders.
 */
export function planChunks(
  members: readonly string[],
  isDir: (path: string) => boolean,
  sizeOf: (path: string) => number,
  limits: ChunkLimits,
): CopyPlan {
  const dirs = members.filter(isDir);
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const m of members) {
    if (isDir(m)) continue;
    const size = sizeOf(m);
    if (current.length > 0 && (bytes + size > limits.maxBytes || current.length >= limits.maxFiles)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return { dirs, chunks };
}

/** Slices sized so that a domain's copy makes about three per parallel stream, within bounds. */
export function chunkLimitsFor(domain: { bytes: number; files: number }, concurrency: number): ChunkLimits {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));
  const slots = Math.max(1, concurrency) * 3;
  return {
    maxBytes: clamp(domain.bytes / slots, 4 * 1024 * 1024, 64 * 1024 * 1024),
    maxFiles: clamp(domain.files / slots, 500, 5000),
  };
}
