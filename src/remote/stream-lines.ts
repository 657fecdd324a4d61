/**
 * A remote command whose output is read record by record as it arrives (listings that may be
 * large), and the one way a streamed command's failure is reported.
 */
import { Buffer } from 'node:buffer';
import { ConnectionError, DiskFullError, RemoteCommandError, type VmigrateError } from '../errors.js';
import type { Arg } from './quote.js';
import type { ExitStatus, Remote } from './remote.js';
import { relieveHeap } from './heap-relief.js';

/** GNU tar's, cp's and the shell's words for ENOSPC and EDQUOT, with the line they are on. */
const DISK_FULL = /^.*(No space left on device|Disk quota exceeded).*$/m;

export function streamFailure(remote: Remote, what: string, command: string, st: ExitStatus): VmigrateError {
  if (st.lost) return connectionLost(remote, command);
  // A full disk is no failure of the command: it stops everything that writes there.
  const full = DISK_FULL.exec(st.stderr)?.[0];
  if (full !== undefined)
    return new DiskFullError(`${what} on ${remote.label}: ${full.trim()}`, { host: remote.label });
  return new RemoteCommandError(
    `${what} on ${remote.label} failed: ${st.stderr.trim() || `exit status ${st.code ?? st.signal}`}`,
    { command, code: st.code, signal: st.signal, stderr: st.stderr },
    { host: remote.label },
  );
}

/** The connection died under a command: transient, a retry reconnects. */
export function connectionLost(remote: Remote, command: string): ConnectionError {
  return new ConnectionError(`the connection to ${remote.label} was lost while running "${command}"`, {
    host: remote.label,
    transient: true,
  });
}

/**
 * Runs argv with `stdin` (or an empty one), calls onRecord with each record of stdout as raw
 * bytes (NUL-terminated by default: file names may hold any byte but NUL; or newline-terminated),
 * and fails unless the status is in `ok`.
 */
export async function streamRecords(
  remote: Remote,
  argv: readonly Arg[],
  what: string,
  onRecord: (record: Buffer) => void,
  options: {
    ok?: readonly number[];
    /** A failing status accepted after all, for what its stderr says (a live tree's vanished files). */
    okWhen?: (code: number, stderr: string) => boolean;
    stdin?: Buffer;
    separator?: 0 | 10;
  } = {},
): Promise<void> {
  const proc = await remote.spawn(argv);
  proc.stdin.end(options.stdin);
  const sep = options.separator ?? 0;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
    relieveHeap(chunk.length);
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = buf.indexOf(sep); end >= 0; end = buf.indexOf(sep, start)) {
      onRecord(buf.subarray(start, end));
      start = end + 1;
    }
    // A copy, so that the rest of a large chunk is not kept alive by a small tail.
    rest = Buffer.from(buf.subarray(start));
  }
  const st = await proc.done;
  const ok = options.ok ?? [0];
  const accepted =
    st.code !== null && (ok.includes(st.code) || options.okWhen?.(st.code, st.stderr) === true);
  if (!accepted) throw streamFailure(remote, what, proc.command, st);
  if (rest.length > 0)
    throw streamFailure(remote, what, proc.command, {
      ...st,
      code: st.code,
      stderr: `output ended in the middle of a record (${rest.length} bytes without a terminator)`,
    });
}
