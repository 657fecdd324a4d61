/**
 * The relay off the main thread (VMIGRATE_RELAY_THREADS=on): each host's tar channels on a
 * stream thread of their own, the archive passed between the threads. The same results as the
 * main thread's relay, the same failures named the same way, and a cut connection that leaves
 * nothing placed and nothing running.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HostSession } from '../../src/hosts/session.js';
import { createLogger } from '../../src/log/logger.js';
import { relayTree } from '../../src/maildir/tar-relay.js';
import { StreamThread } from '../../src/remote/stream-thread.js';
import { FaultProxy } from '../lab/fault-proxy.js';
import { lab, labSession, proxiedConfig } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

/** A session whose log records are kept, to see where the channels ran. */
function threadedSession(configFile?: string): { session: HostSession; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const log = createLogger({
    write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>),
  });
  const session = labSession({ relayThreads: true, log, ...(configFile ? { configFile } : {}) });
  return { session, records };
}

const sums = 'cd /tmp/thr-src && find . -type f -exec sha256sum {} + | sort -k2';

describe('the relay on stream threads', () => {
  const hosts = useMailHosts();
  let session: HostSession | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    // A big file (more than the threads' flow-control window many times over) and small ones.
    await hosts.old.sh(
      'rm -rf /tmp/thr-src && mkdir -p /tmp/thr-src/d && head -c 24000000 /dev/urandom > /tmp/thr-src/d/big && ' +
        'for i in $(seq 1 300); do echo "message $i" > /tmp/thr-src/d/m$i; done && chmod 600 /tmp/thr-src/d/m7',
    );
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await hosts.old.sh('rm -rf /tmp/thr-src');
    await hosts.new.sh('rm -rf /tmp/thr-dst');
  });
  const members = ['d', 'd/big', ...Array.from({ length: 300 }, (_, i) => `d/m${i + 1}`)];
  const job = (destBase = '/tmp/thr-dst') => ({
    sourceBase: '/tmp/thr-src',
    destBase,
    members,
    owner: { uid: hosts.new.uid, gid: hosts.new.gid },
  });

  it('copies every byte, owned as asked, with the channels on the threads', async () => {
    await hosts.new.sh('rm -rf /tmp/thr-dst && mkdir /tmp/thr-dst');
    const t = threadedSession();
    session = t.session;
    const old = (await session.open('old')).remote;
    const neu = (await session.open('new')).remote;
    expect(old.spawnPiped).toBeTypeOf('function');
    let bytes = 0;
    await relayTree(old, neu, { ...job(), onBytes: (n) => (bytes += n) });
    const want = (await hosts.old.sh(sums)).stdout;
    expect((await hosts.new.sh(sums.replace('thr-src', 'thr-dst'))).stdout).toBe(want);
    expect(want.split('\n').filter(Boolean)).toHaveLength(301);
    const modes = await hosts.new.sh('stat -c "%a %u %g" /tmp/thr-dst/d/m7 /tmp/thr-dst/d/big');
    expect(modes.stdout.split('\n').filter(Boolean)).toEqual([
      `600 ${hosts.new.uid} ${hosts.new.gid}`,
      `644 ${hosts.new.uid} ${hosts.new.gid}`,
    ]);
    // Progress counts the archive as it entered the destination's channel.
    expect(bytes).toBeGreaterThan(24_000_000);
    await session.close();
    session = undefined;
    // Each host's thread opened a connection of its own and did the work.
    const opened = t.records.filter((r) => r.msg === 'ssh connection opened' && r.thread === 'stream');
    expect(opened.map((r) => r.host).sort()).toEqual(['new', 'old']);
    const closed = t.records.filter((r) => r.msg === 'stream thread closed');
    expect(closed).toHaveLength(2);
    for (const r of closed) expect(r.busyMs).toBeGreaterThan(0);
  });

  it('names the failing end, as the main thread relay does, and does not hang', async () => {
    await hosts.new.sh('rm -rf /tmp/thr-dst && mkdir /tmp/thr-dst');
    session = threadedSession().session;
    const old = (await session.open('old')).remote;
    const neu = (await session.open('new')).remote;
    await expect(relayTree(old, neu, { ...job(), members: ['no-such-file'] })).rejects.toThrow(
      /tar -c on old failed: .*no-such-file/,
    );
    await expect(relayTree(old, neu, job('/tmp/thr-dst/missing'))).rejects.toThrow(
      /tar -x on new failed: .*missing/,
    );
    // The threads are still good for the next relay.
    await relayTree(old, neu, job());
    expect((await hosts.new.sh('ls /tmp/thr-dst/d | wc -l')).stdout.trim()).toBe('301');
  });

  it('a cut connection fails the relay as lost, places nothing, leaves nothing running, and the retry copies all', async () => {
    await hosts.new.sh('rm -rf /tmp/thr-dst && mkdir /tmp/thr-dst');
    proxy = new FaultProxy({ host: lab().hosts.new.address, port: 22 });
    // Slow enough that the cut comes mid-stream.
    proxy.set({ bytesPerSecond: 4_000_000 });
    const t = threadedSession(proxiedConfig(await proxy.listen(), 'new', 'proxied'));
    session = t.session;
    const old = (await session.open('old')).remote;
    const neu = (await session.open('proxied')).remote;
    let bytes = 0;
    let cut = false;
    const relay = relayTree(old, neu, {
      ...job(),
      onBytes: (n) => {
        bytes += n;
        if (bytes > 4_000_000 && !cut) {
          cut = true;
          proxy!.cutAll();
        }
      },
    });
    await expect(relay).rejects.toThrow(/connection to proxied was lost/);
    expect(cut).toBe(true);
    proxy.set({});
    // Nothing of the cut stream is in place (it was staged), and the next command on the host
    // first stopped whatever the lost connection left running.
    await neu.run(['true']);
    expect((await hosts.new.sh('ls -A /tmp/thr-dst')).stdout.trim()).toBe('');
    expect((await hosts.new.sh("pgrep -f 'tar -x' || true")).stdout.trim()).toBe('');
    await relayTree(old, neu, job());
    expect((await hosts.new.sh(sums.replace('thr-src', 'thr-dst'))).stdout).toBe(
      (await hosts.old.sh(sums)).stdout,
    );
  });

  it('refuses a host whose key is not the one the main connection verified', async () => {
    session = labSession();
    const { spec } = await session.open('new');
    const records: Record<string, unknown>[] = [];
    const thread = new StreamThread(
      spec,
      () => 'SHA256:not-the-key-the-main-thread-saw',
      () => Promise.resolve(undefined),
      createLogger({
        write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>),
      }),
    );
    const { port1, port2 } = new MessageChannel();
    await expect(thread.exec('true', { stdoutTo: port1 })).rejects.toThrow(
      /host key .* not SHA256:not-the-key/,
    );
    port2.close();
    await thread.close();
  });
});
