/**
 * The CPU time of the calling thread alone, where the system says it (Linux: the thread's own
 * /proc entry); undefined elsewhere. Node 20 has no per-thread figure of its own, and the event
 * loop's busy time counts a thread that waits for a core as busy.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function threadCpuSeconds(): number | undefined {
  return statCpuSeconds('/proc/thread-self/stat');
}

/**
 * User plus system CPU seconds from a /proc `stat` file (a process's or a thread's); with
 * `reaped`, also those of the children it has waited for (and theirs, as each waited).
 */
export function statCpuSeconds(
  file: string,
  ticksPerSecond = TICKS_PER_SECOND,
  reaped = false,
): number | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    // utime and stime: the 14th and 15th fields, counted after the command name's ')';
    // cutime and cstime the 16th and 17th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks =
      Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
    return Number.isFinite(ticks) ? ticks / ticksPerSecond : undefined;
  } catch {
    return undefined;
  }
}
