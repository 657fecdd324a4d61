/**
 * A source mailbox that is an mbox file: its listing (what the Maildir made of it holds) and its
 * streams, converted on the way. The source's `cat` of the file comes through the controller,
 * which reads it message by message (mbox.ts) and writes the chosen messages as a tar stream
 * straight into the destination's staged extractor: no file but the destination's Maildir is
 * written, and no more than one message is held. The mbox is read again for each pass (listing,
 * stream, verification); nothing on the source changes.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type tar from 'tar-stream';
import { lateRequire } from '../late-require.js';
import type { Remote } from '../remote/remote.js';
import { streamFailure } from '../remote/stream-lines.js';
import { relieveHeap } from '../remote/heap-relief.js';
import type { MaildirEntry } from './listing.js';
import { MboxReader, type MboxFraming, type MboxMessage } from './mbox.js';
import { MboxNames, mboxMaildirDirs } from './mbox-maildir.js';
import { abandon, extractorArgv, type RelayResult, type TreeRelay } from './tar-relay.js';

/** Prints the file's mtime on a line, then the file; `absent` when there is none (no mail yet). */
const READ_MBOX = [
  'if [ ! -e "$1" ] && [ ! -L "$1" ]; then echo absent; exit 0; fi',
  '[ -f "$1" ] || { echo "vmigrate: $1 is not a regular file" >&2; exit 3; }',
  'stat -c %Y -- "$1" || exit 2',
  'exec cat -- "$1"',
].join('\n');

export interface MboxRead {
  /** The file is not there: a mailbox that never received mail. */
  absent: boolean;
  /** The file's mtime (seconds). */
  mtime: number;
  framings: Record<MboxFraming, number>;
  messages: number;
}

/**
 * Reads the mbox at `path` on `source` and calls `each` with every message and the Maildir
 * entry it becomes, in order (awaited: the reading waits for it).
 */
export async function readMbox(
  source: Remote,
  path: string,
  each: (m: MboxMessage, entry: MaildirEntry) => void | Promise<void>,
): Promise<MboxRead> {
  const proc = await source.spawn(['sh', '-c', READ_MBOX, 'vmigrate-mbox', path]);
  const reader = new MboxReader();
  let head: Buffer | undefined;
  let names: MboxNames | undefined;
  const out: MboxRead = { absent: false, mtime: 0, framings: reader.framings, messages: 0 };
  const emit = async (messages: MboxMessage[]) => {
    for (const m of messages) {
      out.messages += 1;
      await each(m, (names ??= new MboxNames(out.mtime)).entryOf(m));
    }
  };
  try {
    for await (const piece of proc.stdout as AsyncIterable<Buffer>) {
      let chunk = piece;
      relieveHeap(chunk.length);
      if (names === undefined && !out.absent) {
        head = head ? Buffer.concat([head, chunk]) : chunk;
        const nl = head.indexOf(0x0a);
        if (nl < 0) continue;
        const first = head.toString('latin1', 0, nl);
        chunk = head.subarray(nl + 1);
        head = undefined;
        if (first === 'absent') {
          out.absent = true;
          continue;
        }
        out.mtime = Number(first);
        names = new MboxNames(out.mtime);
      }
      if (!out.absent) await emit(reader.push(chunk));
    }
  } catch (err) {
    proc.kill();
    void proc.done.catch(() => {});
    throw err;
  }
  const st = await proc.done;
  if (st.code !== 0 || st.lost) throw streamFailure(source, `reading ${path}`, proc.command, st);
  if (head !== undefined && !out.absent)
    throw streamFailure(source, `reading ${path}`, proc.command, {
      ...st,
      code: null,
      stderr: 'the answer ended before the file did',
    });
  if (!out.absent) await emit(reader.end());
  return out;
}

/** What the mbox at `path` becomes, as a listing of a Maildir: its directories, then its messages. */
export async function listMbox(source: Remote, path: string): Promise<MaildirEntry[]> {
  const entries: MaildirEntry[] = [];
  const read = await readMbox(source, path, (_m, entry) => void entries.push(entry));
  return [...mboxMaildirDirs(read.mtime || Math.floor(Date.now() / 1000)), ...entries];
}

/** SHA-256 of each message as its Maildir file holds it, by path: what verification compares. */
export async function mboxChecksums(source: Remote, path: string): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  await readMbox(
    source,
    path,
    (m, entry) => void sums.set(entry.path, createHash('sha256').update(m.data).digest('hex')),
  );
  return sums;
}

/**
 * A TreeStream for a mailbox whose source is the mbox at `mbox`: the members (paths of its
 * listing) as a tar stream into the destination's extractor. Members the mbox no longer
 * yields (deleted there since the listing) are reported as vanished, as tar reports files.
 */
export async function mboxTree(
  source: Remote,
  dest: Remote,
  mbox: string,
  job: TreeRelay,
): Promise<RelayResult> {
  if (job.members.length === 0) return { vanished: 0, vanishedNames: [] };
  const wanted = new Set(job.members);
  const writer = await dest.spawn(extractorArgv({ ...job, compress: undefined }));
  writer.stdout.resume();
  const pack = (lateRequire('tar-stream') as typeof tar).pack();
  const owner = { uid: job.owner.uid, gid: job.owner.gid };
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      job.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  const moving = pipeline(pack, count, writer.stdin);
  moving.catch(() => writer.kill());
  const entry = (header: tar.Headers, data?: Buffer) =>
    new Promise<void>((resolve, reject) =>
      data === undefined
        ? pack.entry(header, (err) => (err ? reject(err) : resolve()))
        : pack.entry(header, data, (err) => (err ? reject(err) : resolve())),
    );
  try {
    let dirsDone = false;
    const read = await readMbox(source, mbox, async (m, e) => {
      if (!dirsDone) await sendDirs(e.mtime);
      dirsDone = true;
      if (!wanted.delete(e.path)) return;
      await entry(
        { ...owner, name: e.path, size: m.data.length, mode: 0o600, mtime: new Date(e.mtime * 1000) },
        m.data,
      );
    });
    if (!dirsDone) await sendDirs(read.mtime || Math.floor(Date.now() / 1000));
    pack.finalize();
    await moving;
  } catch (err) {
    pack.destroy();
    abandon(writer);
    throw err;
  }
  const w = await writer.done;
  if (w.code !== 0 || w.lost) throw streamFailure(dest, 'tar -x', writer.command, w);
  // Every directory went first: what is left are messages the mbox no longer holds.
  const vanishedNames = [...wanted];
  return { vanished: vanishedNames.length, vanishedNames };

  async function sendDirs(mtime: number) {
    for (const d of mboxMaildirDirs(mtime)) {
      if (!wanted.delete(d.path)) continue;
      await entry({ ...owner, name: d.path, type: 'directory', mode: 0o700, mtime: new Date(mtime * 1000) });
    }
  }
}
