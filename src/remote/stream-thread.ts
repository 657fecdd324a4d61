/**
 * A host's stream thread, seen from the main thread: a worker (stream-worker.ts) with SSH
 * connections of its own to the host, on which the relay's tar channels run.
 *
 * Why: the relay spends the controller's one thread on both connections' crypto (ssh2's AES-GCM
 * and packet framing, 1.2–1.6 CPU s of the 2.8 a LAN sync of 745 MB costs the main thread,
 * docs/performance.md). With each host's streams on a thread of its own, the source's
 * decryption, the destination's encryption and the main thread's listings and ledger run on
 * three cores where a laptop has them; on a machine whose cores are already busy (two, shared
 * with both servers, as in the benchmark's lab) the threads only add their own cost
 * (relayThreadsWanted says when they are used).
 *
 * Everything but the bytes stays on the main thread: the command line (quoting, sudo, the
 * launcher and its pid), stderr, exit statuses, kills, and the reaping of a lost connection's
 * processes go through SshRemote exactly as for its own channels.
 */
import type { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Duplex } from 'node:stream';
import { Worker, type MessagePort } from 'node:worker_threads';
import { AuthenticationError, ConnectionError, HostKeyError, UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PassphraseSource } from '../ssh/auth.js';
import type { HostSpec } from '../ssh/host-spec.js';
import type { ChannelExit } from '../ssh/pool.js';
import type { FromWorker, PipeEnd, ToWorker, WorkerError } from './stream-thread-protocol.js';
import { asBuffer } from './stream-thread-protocol.js';

export type { PipeEnd } from './stream-thread-protocol.js';

/**
 * VMIGRATE_RELAY_THREADS: on; off (the default); or auto, on from four cores up. Off by
 * default until it is measured faster somewhere: on this project's two-core machine it costs
 * CPU and about 90 MB of memory and gains nothing (docs/performance.md).
 */
export function relayThreadsWanted(
  setting = process.env.VMIGRATE_RELAY_THREADS,
  cores = availableParallelism(),
): boolean {
  switch ((setting ?? 'off').trim().toLowerCase()) {
    case 'on':
      return true;
    case 'off':
    case '':
      return false;
    case 'auto':
      return cores >= 4;
    default:
      throw new UsageError(`VMIGRATE_RELAY_THREADS is "${setting}": on, off or auto`);
  }
}

/**
 * A stream thread holds chunks in flight and nothing else: V8's defaults for a new isolate
 * (a young generation that grows to tens of MB) let each thread's dead packet buffers pile up
 * to double the controller's peak memory. The old generation's cap is far above what it
 * holds, a guard and not a budget.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };

function rebuilt(err: WorkerError, host: string): ConnectionError {
  const details = { host, ...(err.hint === undefined ? {} : { hint: err.hint }) };
  if (err.name === 'HostKeyError') return new HostKeyError(err.message, details);
  if (err.name === 'AuthenticationError') return new AuthenticationError(err.message, details);
  return new ConnectionError(`stream thread for ${host}: ${err.message}`, {
    ...details,
    transient: err.transient ?? true,
  });
}

/**
 * One command of a stream thread, as the main thread holds it: writing to it reaches the
 * command's stdin; its stdout arrives here unless it goes to another thread.
 */
export class ThreadChannel extends Duplex {
  /** The command's stderr, emitted as it arrives (SshRemote reads the launcher's pid from it). */
  readonly stderr = new EventEmitter();
  readonly exited: Promise<ChannelExit>;
  /** For a channel fed by another thread: settles once all of it was written, or failed. */
  readonly piped: Promise<void>;
  onBytes: ((n: number) => void) | undefined;
  private settleClosed!: (exit: ChannelExit) => void;
  private settlePiped!: (err: Error | undefined) => void;

  constructor(
    readonly id: number,
    private readonly send: (m: ToWorker, transfer?: ArrayBuffer[]) => void,
  ) {
    super({ allowHalfOpen: true });
    this.exited = new Promise((r) => (this.settleClosed = r));
    this.piped = new Promise((resolve, reject) => {
      this.settlePiped = (err) => (err ? reject(err) : resolve());
    });
    // Nobody may wait on it (a reader's channel): its failure is reported through its exit.
    this.piped.catch(() => undefined);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const data = new Uint8Array(chunk);
    this.send({ type: 'stdin', id: this.id, data }, [data.buffer]);
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.send({ type: 'stdin-end', id: this.id });
    done();
  }

  /** Nobody reads the command's output any more: the thread drains it so the channel can close. */
  drain(): void {
    this.resume();
    this.send({ type: 'resume', id: this.id });
  }

  /** @internal the thread's news of this command. */
  receive(m: FromWorker, host: string): void {
    switch (m.type) {
      case 'stdout':
        this.push(asBuffer(m.data));
        break;
      case 'stderr':
        this.stderr.emit('data', asBuffer(m.data));
        break;
      case 'bytes':
        this.onBytes?.(m.n);
        break;
      case 'piped':
        this.settlePiped(m.error ? rebuilt(m.error, host) : undefined);
        break;
      case 'closed':
        this.push(null);
        this.settlePiped(new ConnectionError(`the stream to ${host} closed`, { host }));
        this.settleClosed(m.exit);
        break;
      default:
        break;
    }
  }
}

export class StreamThread {
  private worker: Worker | undefined;
  private opened: Promise<void> | undefined;
  private nextId = 1;
  private readonly live = new Map<number, ThreadChannel>();
  private readonly starting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private onOpen: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private onClosedAll: ((cpuSeconds: number | undefined) => void) | undefined;

  constructor(
    private readonly spec: HostSpec,
    /** The host key the main thread's connection verified. */
    private readonly fingerprint: () => string | undefined,
    private readonly passphrase: PassphraseSource,
    private readonly log: Logger,
  ) {}

  get label(): string {
    return this.spec.label;
  }

  private send = (m: ToWorker, transfer: (ArrayBuffer | MessagePort)[] = []): void => {
    this.worker?.postMessage(m, transfer as ArrayBuffer[]);
  };

  private start(): Promise<void> {
    if (this.opened) return this.opened;
    const fingerprint = this.fingerprint();
    if (fingerprint === undefined)
      return Promise.reject(
        new HostKeyError('no verified host key to hold the stream thread to', { host: this.label }),
      );
    this.opened = new Promise<void>((resolve, reject) => {
      this.onOpen = { resolve, reject };
      // Built, the worker is the .js beside this file. Run from the TypeScript sources (the
      // tests, which run the built CLI too), it is the built one: a worker does not inherit
      // the test runner's way of loading TypeScript.
      const worker = new Worker(
        import.meta.url.endsWith('.ts')
          ? new URL('../../dist/src/remote/stream-worker.js', import.meta.url)
          : new URL('./stream-worker.js', import.meta.url),
        { resourceLimits: WORKER_LIMITS },
      );
      this.worker = worker;
      // The main thread's own connections keep the process alive while there is work.
      worker.unref();
      worker.on('message', (m: FromWorker) => this.receive(m));
      // Only this thread's end concerns what runs now (a closed or failed one ends later).
      worker.on('error', (err) => this.worker === worker && this.lost(err));
      worker.on('exit', () => this.worker === worker && this.lost(new Error('the stream thread stopped')));
      worker.postMessage({ type: 'open', spec: this.spec, fingerprint } satisfies ToWorker);
    });
    // A failed start may be tried again by the next command (a retry after a lost connection).
    this.opened.catch(() => {
      this.opened = undefined;
      void this.worker?.terminate();
      this.worker = undefined;
    });
    return this.opened;
  }

  /** Everything in flight fails as a lost connection would. */
  private lost(err: Error): void {
    // The next command starts a thread afresh.
    this.worker = undefined;
    this.opened = undefined;
    this.onOpen?.reject(
      new ConnectionError(`stream thread for ${this.label}: ${err.message}`, { host: this.label }),
    );
    this.onOpen = undefined;
    for (const s of this.starting.values()) s.reject(new ConnectionError(err.message, { host: this.label }));
    this.starting.clear();
    for (const ch of this.live.values())
      ch.receive({ type: 'closed', id: ch.id, exit: { code: null, signal: null, lost: true } }, this.label);
    this.live.clear();
    this.onClosedAll?.(undefined);
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'opened':
        this.onOpen?.resolve();
        this.onOpen = undefined;
        return;
      case 'open-failed':
        this.onOpen?.reject(rebuilt(m.error, this.label));
        this.onOpen = undefined;
        return;
      case 'started':
        this.starting.get(m.id)?.resolve();
        this.starting.delete(m.id);
        return;
      case 'exec-failed':
        this.starting.get(m.id)?.reject(rebuilt(m.error, this.label));
        this.starting.delete(m.id);
        this.live.delete(m.id);
        return;
      case 'passphrase':
        void this.passphrase(m.file).then((passphrase) =>
          this.send({ type: 'passphrase', request: m.request, passphrase }),
        );
        return;
      case 'log':
        this.log[m.level]({ host: this.label, ...m.fields }, m.msg);
        return;
      case 'closed-all':
        this.onClosedAll?.(m.cpuSeconds);
        return;
      default: {
        const ch = this.live.get(m.id);
        ch?.receive(m, this.label);
        if (m.type === 'closed') this.live.delete(m.id);
      }
    }
  }

  /** Runs `command` (a whole command line) on the thread's connection, its data joined to `pipe`. */
  async exec(
    command: string,
    pipe: PipeEnd,
  ): Promise<{ channel: ThreadChannel; closed: Promise<ChannelExit> }> {
    await this.start();
    // The thread may have ended between its start and now: nothing would answer.
    if (!this.worker)
      throw new ConnectionError(`the stream thread for ${this.label} stopped`, { host: this.label });
    const id = this.nextId++;
    const channel = new ThreadChannel(id, this.send);
    this.live.set(id, channel);
    const started = new Promise<void>((resolve, reject) => this.starting.set(id, { resolve, reject }));
    const port = 'stdoutTo' in pipe ? pipe.stdoutTo : pipe.stdinFrom;
    this.send({ type: 'exec', id, command, ...pipe } satisfies ToWorker, [port]);
    await started;
    return { channel, closed: channel.exited };
  }

  /** Cut the thread's connections (Ctrl-C); the next command opens a new one. */
  cut(): void {
    this.send({ type: 'cut' });
  }

  /** Closes its connections and ends the thread; logs how busy it was. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const busyMs = worker.performance.eventLoopUtilization().active;
    const cpuSeconds = await new Promise<number | undefined>((r) => {
      this.onClosedAll = r;
      setTimeout(() => r(undefined), 2000).unref();
      this.send({ type: 'close' });
    });
    this.worker = undefined;
    this.opened = undefined;
    await worker.terminate();
    this.log.info({ host: this.label, busyMs: Math.round(busyMs), cpuSeconds }, 'stream thread closed');
  }
}
