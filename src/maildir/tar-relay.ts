/**
 * A tree relay: the source's `tar -c` stdout is piped through the controller into the
 * destination's `tar -x` stdin, with backpressure end to end and nothing written anywhere but
 * the destination directory. The archive already carries the destination's owner, so the
 * files land with the right uid/gid and no chown pass is needed.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import { RemoteCommandError } from '../errors.js';
import type { ExitStatus, Remote } from '../remote/remote.js';

export interface TreeRelay {
  sourceBase: string;
  destBase: string;
  /** Paths relative to both bases; directories are copied as entries, not recursively. */
  members: readonly string[];
  owner: { uid: number; gid: number };
}

function fail(remote: Remote, what: string, command: string, st: ExitStatus): never {
  throw new RemoteCommandError(
    `${what} on ${remote.label} failed: ${st.stderr.trim() || `exit status ${st.code ?? st.signal}`}`,
    { command, code: st.code, signal: st.signal, stderr: st.stderr },
    { host: remote.label },
  );
}

export async function relayTree(source: Remote, dest: Remote, job: TreeRelay): Promise<void> {
  if (job.members.length === 0) return;
  const reader = await source.spawn([
    'tar',
    '-c',
    `--owner=:${job.owner.uid}`,
    `--group=:${job.owner.gid}`,
    '--no-recursion',
    '--null',
    '-C',
    job.sourceBase,
    '-T',
    '-',
  ]);
  const writer = await dest.spawn(['tar', '-x', '--numeric-owner', '-p', '-C', job.destBase]);
  // tar -x prints nothing on stdout, but the channel only closes once stdout is drained.
  writer.stdout.resume();
  const list = Buffer.from(job.members.map((m) => `${m}\0`).join(''));
  // When one end fails the other must not wait for it forever: a tar -c whose reader went
  // away blocks on a full pipe, and a tar -x whose writer died waits for more input.
  const stopBoth = () => {
    reader.kill();
    writer.kill();
  };
  const sending = pipeline(Readable.from([list]), reader.stdin);
  const moving = pipeline(reader.stdout, writer.stdin);
  moving.catch(stopBoth);
  void reader.done.then((st) => st.code !== 0 && writer.kill());
  void writer.done.then((st) => st.code !== 0 && reader.kill());
  const [sent, moved, r, w] = await Promise.allSettled([sending, moving, reader.done, writer.done]);
  if (r.status === 'fulfilled' && r.value.code !== 0) {
    writer.kill();
    fail(source, 'tar -c', reader.command, r.value);
  }
  if (w.status === 'fulfilled' && w.value.code !== 0) fail(dest, 'tar -x', writer.command, w.value);
  for (const x of [sent, moved, r, w]) if (x.status === 'rejected') throw x.reason;
}
