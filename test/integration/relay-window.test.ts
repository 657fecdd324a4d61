/**
 * The relay's flow control on a real ssh2 channel from a real sshd: the source's window is
 * kept topped up while the relay keeps up, and a stalled destination bounds what the
 * controller holds. Each case also runs without relayWindow, to show what it changes.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { relayWindow } from '../../src/remote/relay-window.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const MiB = 1024 * 1024;

interface Window {
  incoming: { window: number };
}

describe('relayWindow', () => {
  const hosts = useMailHosts();

  /** Reads `bytes` of zeros from old into a sink that keeps up; the lowest window seen. */
  async function lowestWindow(tuned: boolean): Promise<number> {
    const proc = await hosts.old.remote.spawn(['head', '-c', String(64 * MiB), '/dev/zero']);
    proc.stdin.end();
    const channel = proc.stdout as unknown as Window;
    let lowest = Infinity;
    let total = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        total += chunk.length;
        lowest = Math.min(lowest, channel.incoming.window);
        paced();
        done();
      },
    });
    const paced = tuned ? relayWindow(proc.stdout, sink) : () => {};
    await pipeline(proc.stdout, sink);
    expect((await proc.done).code).toBe(0);
    expect(total).toBe(64 * MiB);
    return lowest;
  }

  it('keeps the window topped up while the relay keeps up (ssh2 alone lets it fall to 1 MiB)', async () => {
    expect(await lowestWindow(false)).toBeLessThanOrEqual(1 * MiB);
    expect(await lowestWindow(true)).toBeGreaterThan(1.25 * MiB);
  });

  /** Stalls the sink and returns what piled up in the controller once the source stopped. */
  async function heldWhenStalled(tuned: boolean): Promise<number> {
    const proc = await hosts.old.remote.spawn(['head', '-c', String(16 * MiB), '/dev/zero']);
    proc.stdin.end();
    let release: () => void = () => {};
    const released = new Promise<void>((r) => (release = r));
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(_chunk: Buffer, _enc, done) {
        paced();
        void released.then(() => done());
      },
    });
    const paced = tuned ? relayWindow(proc.stdout, sink) : () => {};
    const moving = pipeline(proc.stdout, sink);
    // The source sends until its window is used up; wait until nothing more arrives.
    let held = -1;
    for (let i = 0; i < 50 && proc.stdout.readableLength !== held; i++) {
      held = proc.stdout.readableLength;
      await new Promise((r) => setTimeout(r, 100));
    }
    release();
    await moving;
    expect((await proc.done).code).toBe(0);
    return held + sink.writableLength;
  }

  it('bounds what a stalled destination leaves in the controller to about one window', async () => {
    expect(await heldWhenStalled(false)).toBeGreaterThan(2.5 * MiB);
    expect(await heldWhenStalled(true)).toBeLessThan(2.4 * MiB);
  });
});
