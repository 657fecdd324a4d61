/**
 * A remote command whose output is read line by line as it arrives (listings that may be
 * large), and the one way a streamed command's failure is reported.
 */
import { createInterface } from 'node:readline';
import { ConnectionError, RemoteCommandError, type VmigrateError } from '../errors.js';
import type { Arg } from './quote.js';
import type { ExitStatus, Remote } from './remote.js';

export function streamFailure(remote: Remote, what: string, command: string, st: ExitStatus): VmigrateError {
  if (st.lost) return connectionLost(remote, command);
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

/** Runs argv with an empty stdin, calls onLine for each stdout line, fails unless the status is in `ok`. */
export async function streamLines(
  remote: Remote,
  argv: readonly Arg[],
  what: string,
  onLine: (line: string) => void,
  ok: readonly number[] = [0],
): Promise<void> {
  const proc = await remote.spawn(argv);
  proc.stdin.end();
  for await (const line of createInterface({ input: proc.stdout, crlfDelay: Infinity })) onLine(line);
  const st = await proc.done;
  if (st.code === null || !ok.includes(st.code)) throw streamFailure(remote, what, proc.command, st);
}
