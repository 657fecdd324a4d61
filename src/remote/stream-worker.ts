/**
 * A host's stream thread: its own SSH connections to one host, on a thread of its own, carrying
 * the relay's tar channels so that their encryption and decryption run off the controller's
 * main thread (stream-thread.ts says when and why). A relay joins two of these threads by a
 * MessageChannel: the archive goes from the source's thread to the destination's directly,
 * chunk by chunk with its buffer transferred, never through the main thread.
 *
 * The connection is made exactly as the main thread's (pool.ts, connect.ts), from the same
 * host settings, but never accepts a new host key: the key must be the one the main thread
 * verified. Passphrases are asked of the main thread, which asked the operator already.
 */
import { Buffer } from 'node:buffer';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { ClientChannel } from 'ssh2';
import { HostKeyError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { destinationBacklog, relayWindow } from './relay-window.js';
import { ConnectionPool } from '../ssh/pool.js';
import { relieveHeap } from './heap-relief.js';
import type { FromWorker, PeerMessage, ToWorker, WorkerError } from './stream-thread-protocol.js';
import { asBuffer } from './stream-thread-protocol.js';
import { threadCpuSeconds } from './thread-cpu.js';

/** Bytes a source thread may have sent to its peer and not yet seen taken: about a window. */
const PEER_HIGH = 1024 * 1024;
const PEER_LOW = 512 * 1024;
/** Progress is reported to the main thread in steps of this many bytes (and at the end). */
const BYTES_STEP = 256 * 1024;

const main = parentPort;
if (!main) throw new Error('stream-worker.js runs only as a worker thread');

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  main!.postMessage(message, transfer);
}

/** A buffer of its own: a Buffer from ssh2 may be a view of a larger one, all of which would be cloned. */
function own(data: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(data);
}

function asWorkerError(err: unknown): WorkerError {
  const e = err as Error & { hint?: string; transient?: boolean };
  return { name: e.name ?? 'Error', message: e.message ?? String(err), hint: e.hint, transient: e.transient };
}

/** The pool's and the connection's log records, written by the main thread's logger. */
function logTo(level: 'debug' | 'info' | 'warn' | 'error') {
  return (fields: unknown, msg?: string) =>
    post({
      type: 'log',
      level,
      fields: typeof fields === 'object' && fields !== null ? { ...fields, thread: 'stream' } : {},
      msg: msg ?? (typeof fields === 'string' ? fields : ''),
    });
}
const log = {
  debug: logTo('debug'),
  info: logTo('info'),
  warn: logTo('warn'),
  error: logTo('error'),
} as unknown as Logger;

const asked = new Map<number, (passphrase: string | undefined) => void>();
let nextRequest = 1;
function passphrase(file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = nextRequest++;
    asked.set(request, resolve);
    post({ type: 'passphrase', request, file });
  });
}

let pool: ConnectionPool | undefined;
const channels = new Map<number, ClientChannel>();

/** The source's end of a relay: its stdout to the peer thread, at most PEER_HIGH unacknowledged. */
function sendTo(channel: ClientChannel, port: MessagePort): void {
  let unacked = 0;
  let gone = false;
  let ended = false;
  // relayWindow tops the source's window up while the relay holds little: here what the
  // channel buffered and what the peer has not yet taken.
  const held = {
    get writableLength() {
      return unacked;
    },
  } as unknown as Writable;
  const paced = relayWindow(channel, held);
  const stop = () => {
    gone = true;
    channel.resume();
  };
  channel.on('data', (d: Buffer) => {
    relieveHeap(d.length);
    if (gone) return;
    const data = own(d);
    port.postMessage({ chunk: data.buffer } satisfies PeerMessage, [data.buffer]);
    unacked += d.length;
    paced();
    if (unacked >= PEER_HIGH) channel.pause();
  });
  channel.once('end', () => {
    ended = true;
    if (!gone) port.postMessage({ end: true } satisfies PeerMessage);
  });
  // Closed without an end (the connection died): the destination must not take a short
  // archive for a whole one.
  channel.once('close', () => {
    if (!ended && !gone) port.postMessage({ abort: true } satisfies PeerMessage);
  });
  port.on('message', (m: PeerMessage) => {
    if ('ack' in m) {
      unacked -= m.ack;
      if (unacked < PEER_LOW && channel.isPaused() && !gone) channel.resume();
      paced();
    } else if ('gone' in m) stop();
  });
  port.once('close', stop);
}

/** The destination's end of a relay: what the peer thread sends, into the channel's stdin. */
function receiveFrom(channel: ClientChannel, port: MessagePort, id: number): void {
  let finished = false;
  let unreported = 0;
  const report = () => {
    if (unreported > 0) post({ type: 'bytes', id, n: unreported });
    unreported = 0;
  };
  const input = new Readable({ read() {} });
  port.on('message', (m: PeerMessage) => {
    if ('chunk' in m) {
      if (finished) port.postMessage({ ack: m.chunk.byteLength } satisfies PeerMessage);
      else input.push(Buffer.from(m.chunk));
    } else if ('end' in m) input.push(null);
    else if ('abort' in m) input.destroy(new Error('the source stream broke off'));
  });
  relayWindow(input, channel);
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      port.postMessage({ ack: chunk.length } satisfies PeerMessage);
      relieveHeap(chunk.length);
      unreported += chunk.length;
      if (unreported >= BYTES_STEP) report();
      const backlog = destinationBacklog(channel);
      if (backlog) void backlog.then(() => done(null, chunk));
      else done(null, chunk);
    },
  });
  pipeline(input, count, channel).then(
    () => {
      finished = true;
      report();
      post({ type: 'piped', id, error: undefined });
      port.close();
    },
    (err: unknown) => {
      finished = true;
      report();
      // Whatever is still on its way is taken and dropped, so the source's channel can end.
      port.postMessage({ gone: true } satisfies PeerMessage);
      post({ type: 'piped', id, error: asWorkerError(err) });
    },
  );
}

/** A port handed over with a command that never started: the other end must not wait on it. */
function refuse(port: MessagePort | undefined): void {
  if (!port) return;
  port.on('message', (m: PeerMessage) => {
    if ('chunk' in m) port.postMessage({ ack: m.chunk.byteLength } satisfies PeerMessage);
  });
  port.postMessage({ gone: true } satisfies PeerMessage);
}

async function exec(m: Extract<ToWorker, { type: 'exec' }>): Promise<void> {
  if (!pool) {
    refuse(m.stdoutTo ?? m.stdinFrom);
    post({
      type: 'exec-failed',
      id: m.id,
      error: { name: 'Error', message: 'the stream thread is not connected' },
    });
    return;
  }
  let opened;
  try {
    opened = await pool.exec(m.command);
  } catch (err) {
    refuse(m.stdoutTo ?? m.stdinFrom);
    post({ type: 'exec-failed', id: m.id, error: asWorkerError(err) });
    return;
  }
  const { channel, closed } = opened;
  const { id } = m;
  channels.set(id, channel);
  channel.stderr.on('data', (d: Buffer) => {
    const data = own(d);
    post({ type: 'stderr', id, data }, [data.buffer]);
  });
  if (m.stdoutTo) sendTo(channel, m.stdoutTo);
  else
    channel.on('data', (d: Buffer) => {
      const data = own(d);
      post({ type: 'stdout', id, data }, [data.buffer]);
    });
  if (m.stdinFrom) receiveFrom(channel, m.stdinFrom, id);
  post({ type: 'started', id });
  void closed.then((exit) => {
    channels.delete(id);
    post({ type: 'closed', id, exit });
  });
}

main.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'open': {
      const opening = new ConnectionPool(m.spec, { acceptNewHostKeys: false, passphrase, log });
      opening.connect().then(
        () => {
          if (opening.hostKey?.fingerprint !== m.fingerprint) {
            opening.close();
            post({
              type: 'open-failed',
              error: asWorkerError(
                new HostKeyError(
                  `the stream connection to ${m.spec.label} met host key ${opening.hostKey?.fingerprint ?? '(none)'}, not ${m.fingerprint} as the first connection did`,
                  { host: m.spec.label },
                ),
              ),
            });
            return;
          }
          pool = opening;
          post({ type: 'opened' });
        },
        (err: unknown) => post({ type: 'open-failed', error: asWorkerError(err) }),
      );
      break;
    }
    case 'exec':
      void exec(m);
      break;
    case 'stdin':
      channels.get(m.id)?.write(asBuffer(m.data));
      break;
    case 'stdin-end':
      channels.get(m.id)?.end();
      break;
    case 'resume':
      channels.get(m.id)?.resume();
      break;
    case 'passphrase':
      asked.get(m.request)?.(m.passphrase);
      asked.delete(m.request);
      break;
    case 'cut':
      pool?.cut();
      break;
    case 'close':
      pool?.close();
      pool = undefined;
      post({ type: 'closed-all', cpuSeconds: threadCpuSeconds() });
      break;
  }
});
