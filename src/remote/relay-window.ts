/**
 * Flow control of one relay between two ssh2 channels, tuned for latency and for memory.
 *
 * ssh2 gives every channel a 2 MiB receive window but tops it up only once it has fallen to
 * 1 MiB, so the source has 1–2 MiB on the way: about 25 MB/s per stream at 20 ms each way,
 * where OpenSSH, which tops its window up every few packets, carries 45 on the same link. ssh2's
 * channels also buffer up to 2 MiB on each side (their stream high-water marks), so a relay
 * whose destination is the slow end held up to 6 MiB in the controller: 48 MiB for 8 streams.
 *
 * Here the source's window is topped up as soon as a quarter of it is used, but only while
 * the relay holds almost nothing (the destination keeps up), and the two buffers' high-water
 * marks are lowered. Measured on the benchmark's 20 ms link: a single stream went from 26 to
 * 37 MB/s, a domain at 8 streams from 8.6 s to 7.5 s. A wider window (4 MiB) was no faster at
 * 8 streams and raised the peak RSS by 30–50 MB.
 *
 * This reaches into ssh2's channel internals (its `incoming` window and protocol object,
 * ssh2 is pinned to 1.17); when they are not what is expected, nothing is changed and the
 * relay runs on ssh2's own flow control.
 */
import type { Readable, Writable } from 'node:stream';

/** Receive window kept open for the source while the relay keeps up (ssh2's own size). */
export const WINDOW = 2 * 1024 * 1024;
/** The relay keeps up when it holds less than this (read and write buffers together). */
const HELD_LOW = 512 * 1024;
/** The high-water marks of the relay's two channel ends. */
const READ_HIGH = 256 * 1024;
const WRITE_HIGH = 1024 * 1024;

/**
 * Bytes the destination's connection may hold unsent, for all its relays together, before a
 * relay waits. ssh2 writes a channel's packets to the socket as far as the server's window
 * allows (2 MiB per channel with OpenSSH) and never waits for the socket itself, so with
 * eight relays into a destination slower than its source up to 16 MiB could sit in the
 * controller (3 MiB seen in a LAN sync of the benchmark's mixed corpus). Rarely reached: a
 * bound on the worst case, not a brake.
 */
const SOCKET_HIGH = 1024 * 1024;

interface Ssh2ChannelInternals {
  incoming: { window: number };
  outgoing: { id: number; state: string };
  _client: {
    _protocol: { channelWindowAdjust(id: number, amount: number): void };
    _sock?: Writable;
  };
  _readableState?: { highWaterMark: number };
  _writableState?: { highWaterMark: number };
}

function internals(stream: unknown): Ssh2ChannelInternals | undefined {
  const c = stream as Partial<Ssh2ChannelInternals> | null;
  if (
    typeof c?.incoming?.window === 'number' &&
    typeof c.outgoing?.id === 'number' &&
    typeof c._client?._protocol?.channelWindowAdjust === 'function'
  )
    return c as Ssh2ChannelInternals;
  return undefined;
}

/**
 * Tunes the source channel `from` and the destination channel `to` of one relay; call the
 * returned function as each chunk passes through.
 */
export function relayWindow(from: Readable, to: Writable): () => void {
  const source = internals(from);
  const dest = internals(to);
  if (source?._readableState) source._readableState.highWaterMark = READ_HIGH;
  if (dest?._writableState) dest._writableState.highWaterMark = WRITE_HIGH;
  if (!source) return () => {};
  const topUp = () => {
    // Still readable: 'eof' only says the list of files has been sent.
    if (source.outgoing.state !== 'open' && source.outgoing.state !== 'eof') return;
    const amount = WINDOW - source.incoming.window;
    // Not for every packet: an adjustment is a packet of its own.
    if (amount < WINDOW / 4) return;
    source.incoming.window += amount;
    source._client._protocol.channelWindowAdjust(source.outgoing.id, amount);
  };
  topUp();
  return () => {
    if (from.readableLength + to.writableLength < HELD_LOW) topUp();
  };
}

/** One wait per socket, however many relays write through it. */
const drained = new WeakMap<Writable, Promise<void>>();

/**
 * Undefined when the destination's connection has room; otherwise a promise that settles once
 * its socket has sent what it holds (or is gone). Without ssh2's internals, always undefined.
 */
export function destinationBacklog(to: Writable): Promise<void> | undefined {
  const sock = internals(to)?._client._sock;
  if (!sock || sock.destroyed || sock.writableLength <= SOCKET_HIGH) return undefined;
  let wait = drained.get(sock);
  if (!wait) {
    wait = new Promise<void>((settle) => {
      const done = () => {
        sock.off('drain', done);
        sock.off('close', done);
        drained.delete(sock);
        settle();
      };
      sock.on('drain', done);
      sock.on('close', done);
    });
    drained.set(sock, wait);
  }
  return wait;
}
