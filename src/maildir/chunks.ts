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

/** How a data path wants a domain cut: slices per parallel stream, and their upper bounds. */
export interface SliceShape {
  perStream: number;
  maxBytes: number;
  maxFiles: number;
}

/**
 * The relay: about three slices per parallel stream, so that every channel (ssh2's window
 * bounds each) stays busy until the end instead of the last slices running alone.
 */
export const RELAY_SLICES: SliceShape = { perStream: 3, maxBytes: 64 * 1024 * 1024, maxFiles: 5000 };

/**
 * The direct path: one slice per parallel stream, larger ones. Each stream costs the two
 * servers about a tenth of a CPU second however small it is (a channel and its session on the
 * destination's sshd, the gatekeeper, the extractor's processes; the sender's on the source),
 * and on that path nothing else is there to spend it on: three slices per stream cut the
 * 745 MB benchmark corpus into 38 streams, which cost the destination 1.5 CPU s more than 15
 * (docs/performance.md).
 */
export const DIRECT_SLICES: SliceShape = { perStream: 1, maxBytes: 256 * 1024 * 1024, maxFiles: 20000 };

/** Slices sized so that a domain's copy makes `shape.perStream` per parallel stream, within bounds. */
export function chunkLimitsFor(
  domain: { bytes: number; files: number },
  concurrency: number,
  shape: SliceShape = RELAY_SLICES,
): ChunkLimits {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));
  const slots = Math.max(1, concurrency) * shape.perStream;
  return {
    maxBytes: clamp(domain.bytes / slots, 4 * 1024 * 1024, shape.maxBytes),
    maxFiles: clamp(domain.files / slots, 500, shape.maxFiles),
  };
}
