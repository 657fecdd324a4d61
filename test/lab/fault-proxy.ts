/**
 * A fault-injecting TCP proxy for reliability tests and the WAN benchmark: it can cut every
 * connection after N bytes (either direction), add a one-way delay to each direction without
 * limiting throughput (a delay line, not stop-and-wait), and throttle to a byte rate.
 * Listens on loopback only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultOptions {
  /** Destroy the connection once this many bytes have passed in total (both directions). */
  cutAfterBytes?: number | undefined;
  /** Added to each direction, in milliseconds. */
  delayMs?: number | undefined;
  /** Per direction, bytes per second. */
  bytesPerSecond?: number | undefined;
}

/** Forwards chunks from one socket to another after a delay, holding back when the writer is full. */
function pump(
  from: Socket,
  to: Socket,
  options: () => FaultOptions,
  onBytes: (n: number) => boolean,
  silent: () => boolean,
) {
  const queue: { at: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  let budgetAt = Date.now();
  const flush = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (!onBytes(chunk.length)) return;
      if (!to.write(chunk)) from.pause();
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.max(1, queue[0]!.at - now));
    else if (ended) to.end();
  };
  to.on('drain', () => from.resume());
  from.on('data', (chunk: Buffer) => {
    // A silenced link drops everything and says nothing: no reset, no close.
    if (silent()) return;
    const { delayMs = 0, bytesPerSecond } = options();
    let at = Date.now() + delayMs;
    if (bytesPerSecond) {
      budgetAt = Math.max(budgetAt, Date.now()) + (chunk.length / bytesPerSecond) * 1000;
      at = Math.max(at, budgetAt);
    }
    queue.push({ at, chunk });
    // Keep memory bounded: stop reading while a lot is in flight.
    if (queue.length > 1024) from.pause();
    timer ??= setTimeout(flush, Math.max(0, at - Date.now()));
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0 && !timer) to.end();
  });
}

export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly silenced = new Set<Socket>();
  private options: FaultOptions;
  /** Connections that have been cut so far. */
  cuts = 0;
  connections = 0;
  /** Bytes passed so far, both directions, every connection. */
  bytes = 0;

  constructor(
    private readonly target: { host: string; port: number },
    options: FaultOptions = {},
  ) {
    this.options = { ...options };
  }

  set(options: FaultOptions): void {
    this.options = { ...options };
  }

  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => {
      this.connections++;
      let passed = 0;
      const upstream = connect(this.target);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => {
          this.sockets.delete(s);
          this.silenced.delete(s);
        });
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const count = (n: number) => {
        passed += n;
        this.bytes += n;
        const limit = this.options.cutAfterBytes;
        if (limit !== undefined && passed >= limit) {
          this.cuts++;
          client.destroy();
          upstream.destroy();
          return false;
        }
        return true;
      };
      const silent = () => this.silenced.has(client);
      pump(client, upstream, () => this.options, count, silent);
      pump(upstream, client, () => this.options, count, silent);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    return address.port;
  }

  /**
   * Every open connection goes silent: what either end sends is dropped, and neither end hears
   * a reset or a close (a NAT that forgot the connection, a laptop that slept). New
   * connections pass as before.
   */
  silenceAll(): void {
    for (const s of this.sockets) this.silenced.add(s);
  }

  /** Cut every open connection now. */
  cutAll(): void {
    for (const s of this.sockets) s.destroy();
    this.cuts++;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// Run standalone: tsx test/lab/fault-proxy.ts HOST:PORT [--delay ms] [--cut bytes] [--rate bytes/s] [--port n]
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const [host, port] = (args[0] ?? '').split(':');
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (!host || !port) {
    console.error('usage: fault-proxy HOST:PORT [--delay ms] [--cut bytes] [--rate bytes/s] [--port n]');
    process.exit(2);
  }
  const proxy = new FaultProxy(
    { host, port: Number(port) },
    { delayMs: flag('--delay'), cutAfterBytes: flag('--cut'), bytesPerSecond: flag('--rate') },
  );
  const listening = await proxy.listen(flag('--port') ?? 0);
  console.log(`listening on 127.0.0.1:${listening}`);
}
