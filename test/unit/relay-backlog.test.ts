import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { destinationBacklog } from '../../src/remote/relay-window.js';

/** A socket that holds what is written until `flush`, and a channel over it as ssh2 makes them. */
function channelOverSlowSocket() {
  const held: Array<() => void> = [];
  const sock = new Writable({
    highWaterMark: 16 * 1024,
    write(_chunk, _enc, done) {
      held.push(done);
    },
  });
  const channel = Object.assign(new Writable({ write: (_c, _e, done) => done() }), {
    incoming: { window: 2 * 1024 * 1024 },
    outgoing: { id: 0, state: 'open' },
    _client: { _protocol: { channelWindowAdjust: () => {} }, _sock: sock },
  });
  const flush = () => held.splice(0).forEach((done) => done());
  return { sock, channel, flush };
}

describe('destination backlog', () => {
  it('lets a relay go on while the connection holds little, and makes it wait once it holds more than 1 MiB', async () => {
    const { sock, channel, flush } = channelOverSlowSocket();
    sock.write(Buffer.alloc(512 * 1024));
    expect(destinationBacklog(channel)).toBeUndefined();
    sock.write(Buffer.alloc(1024 * 1024));
    const wait = destinationBacklog(channel);
    expect(wait).toBeInstanceOf(Promise);
    // Every relay of the connection waits on the same drain.
    expect(destinationBacklog(channel)).toBe(wait);
    let over = false;
    void wait?.then(() => (over = true));
    await new Promise((r) => setImmediate(r));
    expect(over).toBe(false);
    // Written out one by one until the socket is empty: then the relays go on.
    while (sock.writableLength > 0) {
      flush();
      await new Promise((r) => setImmediate(r));
    }
    await wait;
    expect(over).toBe(true);
    expect(destinationBacklog(channel)).toBeUndefined();
  });

  it('does not wait on a socket that closed, nor without ssh2 internals', async () => {
    const { sock, channel } = channelOverSlowSocket();
    sock.write(Buffer.alloc(2 * 1024 * 1024));
    const wait = destinationBacklog(channel);
    sock.destroy();
    await wait;
    expect(destinationBacklog(channel)).toBeUndefined();
    expect(destinationBacklog(new Writable({ write: (_c, _e, done) => done() }))).toBeUndefined();
  });
});
