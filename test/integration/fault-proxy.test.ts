import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import type { HostSession } from '../../src/hosts/session.js';
import { FaultProxy } from '../lab/fault-proxy.js';
import { lab, proxiedSession } from '../helpers/lab-session.js';

let session: HostSession | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await session?.close();
  await proxy?.close();
});

async function throughProxy(p: FaultProxy) {
  session = proxiedSession(await p.listen(), 'old');
  return session.open('proxied');
}

describe('fault proxy', () => {
  it('passes a connection through unchanged when told nothing', async () => {
    proxy = new FaultProxy({ host: lab().hosts.old.address, port: 22 });
    const { remote } = await throughProxy(proxy);
    const r = await remote.run(['sh', '-c', 'head -c 5000000 /dev/zero | sha256sum']);
    expect(r.stdout.toString().split(' ')[0]).toBe(
      createHash('sha256').update(Buffer.alloc(5_000_000)).digest('hex'),
    );
  });

  it('adds its delay to every round trip', async () => {
    proxy = new FaultProxy({ host: lab().hosts.old.address, port: 22 });
    const { remote } = await throughProxy(proxy);
    proxy.set({ delayMs: 100 });
    const started = Date.now();
    await remote.run(['true']);
    // An exec is at least one round trip: 100 ms out and 100 ms back.
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('cuts the connection after N bytes: a running stream fails with a transient connection error', async () => {
    proxy = new FaultProxy({ host: lab().hosts.old.address, port: 22 });
    const { remote } = await throughProxy(proxy);
    proxy.set({ cutAfterBytes: 2_000_000 });
    const err = await remote.run(['head', '-c', '50000000', '/dev/zero']).catch((e: unknown) => e);
    expect(proxy.cuts).toBeGreaterThan(0);
    // Either the channel dies with no exit status, or the pool reports the lost connection.
    const isLost =
      err instanceof ConnectionError ||
      (err instanceof Error && /killed by signal|signal \(none/.test(err.message));
    expect(isLost).toBe(true);
  });
});
