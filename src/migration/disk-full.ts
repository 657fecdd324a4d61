/**
 * A destination that ran out of space during a transfer, told with what the operator needs to
 * act: the host, the directory, how much is free there now and about how much more the
 * domain needs. Nothing half-written was counted: a stream is placed only once it arrived
 * whole, and its messages are confirmed in the ledger only then.
 */
import { DiskFullError } from '../errors.js';
import type { Remote } from '../remote/remote.js';

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/** Free KiB of the filesystem holding the directory, then KiB used by the directory. */
const SPACE = `df -Pk "$1" | awk 'NR == 2 { print $4 }' && du -sk "$1" | awk '{ print $1 }'`;

export async function diskFullReport(
  dest: Remote,
  dir: string,
  source: { label: string; bytes: number },
  cause: DiskFullError,
): Promise<DiskFullError> {
  let space = '';
  try {
    const [free = NaN, used = NaN] = (await dest.run(['sh', '-c', SPACE, 'vmigrate-space', dir])).stdout
      .toString()
      .trim()
      .split('\n')
      .map((n) => Number(n) * 1024);
    // As the preflight check reckons it: the source's bytes and a tenth for the file system.
    if (Number.isFinite(free) && Number.isFinite(used))
      space = `; ${mib(free)} free there, and the domain needs about ${mib(Math.max(0, source.bytes * 1.1 - used))} more (${mib(source.bytes)} on ${source.label}, ${mib(used)} on ${dest.label} so far)`;
  } catch {
    // The figures are a help, not the error: without them the error is still told.
  }
  return new DiskFullError(`${dest.label}: no space left under ${dir} (${cause.message})${space}`, {
    host: dest.label,
    hint: 'free space on that disk (or raise the quota of the vpopmail user), then continue with vmigrate resume: what was cut short is sent again, whole',
    cause,
  });
}
