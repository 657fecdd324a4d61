/**
 * A tree relay: the source's `tar -c` stdout is piped through the controller into the
 * destination's `tar -x` stdin, with backpressure end to end and nothing written anywhere but
 * the destination directory. The archive already carries the destination's owner, so the
 * files land with the right uid/gid and no chown pass is needed.
 *
 * The destination unpacks into a staging directory and moves the files into place only after
 * the whole stream arrived (extract-script.sh): a stream cut short, or a writer of a dead
 * connection that wakes up later, can never truncate or replace a file, and nothing is written
 * through a symbolic link.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import type { Remote, RemoteProcess } from '../remote/remote.js';
import { streamFailure } from '../remote/stream-lines.js';
import { relieveHeap } from '../remote/heap-relief.js';
import { destinationBacklog, relayWindow } from '../remote/relay-window.js';
import { fromBytes, nulList } from './byte-names.js';

export interface TreeRelay {
  sourceBase: string;
  destBase: string;
  /**
   * Byte strings (byte-names.ts), relative to both bases, parents before children; directories
   * are copied as entries, not recursively.
   */
  members: readonly string[];
  /**
   * 'staged' (the default): unpacked aside and moved into place once complete. 'direct': only
   * for directories that already exist on the destination, to set their modes and mtimes again
   * after files were added to them (a move into place could not).
   */
  extract?: 'staged' | 'direct';
  owner: { uid: number; gid: number };
  /**
   * For a stream of many mailboxes (combinedTrees): each tree's place in the archive (relative
   * to sourceBase) and the destination directory it becomes, below destBase, where the stage is
   * made. Without it the archive's top becomes destBase. Only for 'staged'.
   */
  targets?: ReadonlyArray<Target>;
  /** A live Maildir changes while it is read: files that vanish or change are skipped, not fatal. */
  live?: boolean;
  /** Compress the stream on the source and decompress it on the destination (slow links). */
  compress?: Compressor;
  /** Called with each chunk's size as the archive passes through the controller. */
  onBytes?: (n: number) => void;
}

/**
 * A tree of a stream of many: its place in the archive and the directory it becomes. `fresh`:
 * a user directory the destination has as vpopmail made it, whose whole tree the stream holds:
 * the extractor renames it into place instead of linking each file (extract-script.sh).
 */
export interface Target {
  archived: string;
  dest: string;
  fresh?: boolean;
}

/** A directory's place below a base, as a relative path; undefined when it is not below it. */
export function placeBelow(base: string, dir: string): string | undefined {
  if (!dir.startsWith(`${base}/`)) return undefined;
  const rel = dir.slice(base.length + 1).replace(/\/+$/, '');
  return rel === '' || rel.split('/').includes('..') ? undefined : rel;
}

/**
 * Places that a GNU tar --transform can move without quoting: vpopmail's hashed directories
 * and user names. The first character is never a dot, so no place starts with the stage's
 * `.p/` or `.s/` that the transform writes.
 */
const PLAIN_PLACE = /^[A-Za-z0-9_@+=-][A-Za-z0-9._@+=-]*(\/[A-Za-z0-9._@+=-]+)*$/;

/**
 * A user directory's places below the domain directories of both sides, when it can share a
 * stream with others: below both, and plainly named.
 */
export function placesOf(
  bases: { source: string; dest: string },
  dirs: { source: string; dest: string },
): { archived: string; dest: string } | undefined {
  const archived = placeBelow(bases.source, dirs.source);
  const dest = placeBelow(bases.dest, dirs.dest);
  return archived !== undefined && dest !== undefined && PLAIN_PLACE.test(archived) && PLAIN_PLACE.test(dest)
    ? { archived, dest }
    : undefined;
}

/** No place is another's, or below another's: each member then matches one place only. */
function separate(places: readonly string[]): boolean {
  const sorted = [...places].sort();
  return sorted.every((p, i) => i === 0 || !(p === sorted[i - 1] || p.startsWith(`${sorted[i - 1] ?? ''}/`)));
}

/**
 * Trees of many directories as one stream: the archive relative to the source base, each tree
 * under its place there, placed in its own directory on the destination (its place there may
 * differ: the hashed directories of the two servers need not agree). Undefined when a tree
 * cannot share a stream (it then streams alone).
 */
export function combinedTrees(
  bases: { source: string; dest: string },
  trees: ReadonlyArray<{ sourceBase: string; destBase: string; members: readonly string[]; fresh?: boolean }>,
): Pick<TreeRelay, 'sourceBase' | 'destBase' | 'members' | 'targets'> | undefined {
  const places = trees.map((t) => placesOf(bases, { source: t.sourceBase, dest: t.destBase }));
  const known = places.filter((p) => p !== undefined);
  if (
    known.length !== trees.length ||
    !separate(known.map((p) => p.archived)) ||
    !separate(known.map((p) => p.dest))
  )
    return undefined;
  return {
    sourceBase: bases.source,
    destBase: bases.dest,
    members: trees.flatMap((t, i) => {
      const prefix = fromBytes(Buffer.from(`${known[i]?.archived ?? ''}/`, 'utf8'));
      return t.members.map((m) => `${prefix}${m}`);
    }),
    targets: trees.map((t, i) => ({
      archived: known[i]?.archived ?? '',
      dest: t.destBase,
      ...(t.fresh ? { fresh: true } : {}),
    })),
  };
}

/**
 * The extractor's --transform: each tree's archived place to `.p/` + its place below the
 * destination base (`.s/` for a fresh one, never the base itself). Places are plain
 * (placesOf): only the dot is special in a basic regex.
 */
export function placingTransform(destBase: string, targets: TreeRelay['targets']): string {
  if (!targets || targets.length === 0) return '';
  return targets
    .map((t) => {
      const dest = t.dest === destBase ? '' : placeBelow(destBase, t.dest);
      if (!PLAIN_PLACE.test(t.archived) || dest === undefined || (dest !== '' && !PLAIN_PLACE.test(dest)))
        throw new Error(`a tree cannot share a stream: ${JSON.stringify(t)}`);
      const stage = t.fresh && dest !== '' ? '.s' : '.p';
      return `s,^${t.archived.replace(/\./g, '\\.')}/,${stage}/${dest === '' ? '' : `${dest}/`},S`;
    })
    .join(';');
}

export type Compressor = 'gzip' | 'zstd';

/** Fast levels: on a link slow enough to want compression the CPU must not become the limit. */
const COMPRESS: Record<Compressor, { create: string; extract: string }> = {
  gzip: { create: 'gzip -1', extract: 'gzip' },
  zstd: { create: 'zstd -1 -q', extract: 'zstd -q' },
};

/** GNU tar's complaints about a live directory; the next delta pass catches up. */
const VANISHED =
  /^tar: .*(File removed before we read it|file changed as we read it|Cannot stat: No such file or directory|Cannot open: No such file or directory|Warning: Cannot stat|Exiting with failure status due to previous errors)/;
/** Of those, the ones that mean a file was not sent at all. */
const NOT_SENT =
  /^tar: (.*?): (?:Warning: )?(?:File removed before we read it|Cannot stat: No such file or directory|Cannot open: No such file or directory)$/;

export const EXTRACT_SCRIPT = readFileSync(new URL('./extract-script.sh', import.meta.url), 'utf8');

export interface RelayResult {
  /** Files listed but gone from the source when tar came to them (a live mailbox): not sent. */
  vanished: number;
  /** Their names as tar printed them (quoted as tar quotes), relative to sourceBase. */
  vanishedNames: string[];
}

/** How a tree gets from source to destination: relayTree, or the direct data path's streams. */
export type TreeStream = (source: Remote, dest: Remote, job: TreeRelay) => Promise<RelayResult>;

/** tar -c's status, accepting exit 1 when every complaint is about a file that moved away. */
export function tarCreateOk(code: number | null, stderr: string, live: boolean): boolean {
  if (code === 0) return true;
  if (!live || code !== 1) return false;
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => VANISHED.test(l));
}

/** Ends a tar whose other end never started (an empty input ends either), and drains it. */
export function abandon(proc: RemoteProcess): void {
  proc.kill();
  proc.stdin.end();
  proc.stdout.resume();
  void proc.done.catch(() => {});
}

/** The destination's end of a relay: the staged extractor, or tar -x itself for 'direct'. */
export function extractorArgv(
  job: Pick<TreeRelay, 'destBase' | 'owner' | 'compress' | 'extract' | 'targets'>,
): string[] {
  // --ignore-zeros: read to the end of the stream, not only to the end-of-archive blocks, so
  // the source's last record is consumed and both channels end in order.
  if (job.extract === 'direct')
    return [
      'tar',
      '-x',
      ...(job.compress ? ['-I', COMPRESS[job.compress].extract] : []),
      '--ignore-zeros',
      '--numeric-owner',
      '-p',
      '-C',
      job.destBase,
    ];
  return [
    'sh',
    '-c',
    EXTRACT_SCRIPT,
    'vmigrate-extract',
    job.destBase,
    `${job.owner.uid}:${job.owner.gid}`,
    job.compress ? COMPRESS[job.compress].extract : '',
    placingTransform(job.destBase, job.targets),
  ];
}

/** The source end died writing to a pipe nobody read any more (SIGPIPE, or sh's 141). */
function brokePipe(st: { code: number | null; signal: string | null; stderr: string }): boolean {
  return st.signal === 'PIPE' || st.signal === 'SIGPIPE' || st.code === 141 || /Broken pipe/.test(st.stderr);
}

/** The source's end of a stream: tar -c of the members named on stdin. */
export function readerArgv(job: Pick<TreeRelay, 'sourceBase' | 'owner' | 'compress' | 'live'>): string[] {
  return [
    'tar',
    '-c',
    `--owner=:${job.owner.uid}`,
    `--group=:${job.owner.gid}`,
    ...(job.compress ? ['-I', COMPRESS[job.compress].create] : []),
    '--no-recursion',
    // A message moved from new/ to cur/ after the listing is a warning, not a failure.
    ...(job.live ? ['--ignore-failed-read'] : []),
    '--null',
    '-C',
    job.sourceBase,
    '-T',
    '-',
  ];
}

/** Files tar -c named as gone before it read them (quoted as tar quotes). */
export function notSentNames(stderr: string): string[] {
  return stderr.split('\n').flatMap((l) => {
    const m = NOT_SENT.exec(l);
    return m?.[1] === undefined ? [] : [m[1]];
  });
}

export async function relayTree(source: Remote, dest: Remote, job: TreeRelay): Promise<RelayResult> {
  if (job.members.length === 0) return { vanished: 0, vanishedNames: [] };
  if (source.spawnPiped && dest.spawnPiped) return relayAcrossThreads(source, dest, job);
  const readerArgs = readerArgv(job);
  const writerArgv = extractorArgv(job);
  // Both ends are opened at once: each costs a round trip or two, which on a slow link made
  // up a good part of a small slice's time.
  const [reader, writer] = await bothEnds(source.spawn(readerArgs), dest.spawn(writerArgv));
  // tar -x prints nothing on stdout, but the channel only closes once stdout is drained.
  writer.stdout.resume();
  // When one end fails the other must not wait for it forever: a tar -c whose reader went
  // away blocks on a full pipe, and a tar -x whose writer died waits for more input.
  const ends = relayEnds(reader, writer);
  const stopBoth = () => {
    ends.stopReader();
    writer.kill();
  };
  const sending = pipeline(Readable.from([nulList(job.members)]), reader.stdin);
  const paced = relayWindow(reader.stdout, writer.stdin);
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      paced();
      job.onBytes?.(chunk.length);
      relieveHeap(chunk.length);
      const backlog = destinationBacklog(writer.stdin);
      if (backlog) void backlog.then(() => done(null, chunk));
      else done(null, chunk);
    },
  });
  const moving = pipeline(reader.stdout, count, writer.stdin);
  moving.catch(stopBoth);
  // ssh2 emits a channel's close only after its stdout ended: when the destination stops
  // early (an error), whatever the source still sends must be read, or its channel never
  // closes and the relay waits forever.
  void moving.finally(() => reader.stdout.resume()).catch(() => {});
  return relayOutcome(source, dest, job, ends, sending, moving);
}

/**
 * The same relay with each host's channel on its stream thread (stream-thread.ts): the archive
 * goes from the source's thread to the destination's through a MessageChannel, and the main
 * thread sees only the member list it sends, progress, and the two exits.
 */
async function relayAcrossThreads(source: Remote, dest: Remote, job: TreeRelay): Promise<RelayResult> {
  const { port1, port2 } = new MessageChannel();
  const [reader, writer] = await bothEnds(
    source.spawnPiped!(readerArgv(job), { stdoutTo: port1 }),
    dest.spawnPiped!(extractorArgv(job), { stdinFrom: port2 }, job.onBytes),
  ).catch((err: unknown) => {
    port1.close();
    throw err;
  });
  writer.stdout.resume();
  const sending = pipeline(Readable.from([nulList(job.members)]), reader.stdin);
  const moving = writer.piped;
  const ends = relayEnds(reader, writer);
  moving.catch(() => {
    ends.stopReader();
    writer.kill();
  });
  return relayOutcome(source, dest, job, ends, sending, moving);
}

/** The two ends of a relay, and whether the relay itself stopped the reader. */
interface RelayEnds {
  reader: RemoteProcess;
  writer: RemoteProcess;
  readerStopped: boolean;
  stopReader(): void;
}

function relayEnds(reader: RemoteProcess, writer: RemoteProcess): RelayEnds {
  const ends: RelayEnds = {
    reader,
    writer,
    readerStopped: false,
    stopReader: () => {
      ends.readerStopped = true;
      reader.kill();
    },
  };
  return ends;
}

/** Both ends started, or neither left running. */
async function bothEnds<P extends RemoteProcess>(reading: Promise<P>, writing: Promise<P>): Promise<[P, P]> {
  const [r0, w0] = await Promise.allSettled([reading, writing]);
  if (r0.status === 'rejected' || w0.status === 'rejected') {
    for (const end of [r0, w0]) if (end.status === 'fulfilled') abandon(end.value);
    throw r0.status === 'rejected' ? r0.reason : (w0 as PromiseRejectedResult).reason;
  }
  return [r0.value, w0.value];
}

/** Waits for both ends of a relay and names what failed, the cause before its consequences. */
async function relayOutcome(
  source: Remote,
  dest: Remote,
  job: TreeRelay,
  ends: RelayEnds,
  sending: Promise<void>,
  moving: Promise<void>,
): Promise<RelayResult> {
  const { reader, writer } = ends;
  void reader.done.then((st) => !tarCreateOk(st.code, st.stderr, job.live ?? false) && writer.kill());
  void writer.done.then((st) => st.code !== 0 && ends.stopReader());
  const [sent, moved, r, w] = await Promise.allSettled([sending, moving, reader.done, writer.done]);
  // A dead connection explains the other end's failure (it was killed): name it first.
  if (r.status === 'fulfilled' && r.value.lost)
    throw streamFailure(source, 'tar -c', reader.command, r.value);
  if (w.status === 'fulfilled' && w.value.lost) throw streamFailure(dest, 'tar -x', writer.command, w.value);
  const destFailed = w.status === 'fulfilled' && w.value.code !== 0;
  if (r.status === 'fulfilled' && !tarCreateOk(r.value.code, r.value.stderr, job.live ?? false)) {
    // A source killed by a broken pipe, or by the relay once the destination stopped, only
    // says that the destination failed first.
    if (!(destFailed && (brokePipe(r.value) || ends.readerStopped))) {
      writer.kill();
      throw streamFailure(source, 'tar -c', reader.command, r.value);
    }
  }
  if (destFailed) throw streamFailure(dest, 'tar -x', writer.command, w.value);
  for (const x of [sent, moved, r, w]) if (x.status === 'rejected') throw x.reason;
  const vanishedNames = notSentNames(r.status === 'fulfilled' ? r.value.stderr : '');
  return { vanished: vanishedNames.length, vanishedNames };
}
