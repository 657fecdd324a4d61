/**
 * The hosts of one vmigrate run: configuration loaded once, each host resolved, connected and
 * wrapped as a Remote on first use, and everything closed together at the end.
 */
import { loadConfig } from '../config/load.js';
import type { VmigrateConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { SshRemote } from '../remote/ssh-remote.js';
import type { Remote } from '../remote/remote.js';
import type { PassphraseSource } from '../ssh/auth.js';
import type { HostSpec } from '../ssh/host-spec.js';
import { ConnectionPool } from '../ssh/pool.js';
import { resolveHost } from '../ssh/resolve-host.js';
import { defaultResolver, type SshConfigResolver } from '../ssh/ssh-config.js';
import type { EphemeralAgent } from '../ssh/ephemeral-agent.js';
import { performance } from 'node:perf_hooks';
import { relayThreadsWanted, StreamThread } from '../remote/stream-thread.js';
import { threadCpuSeconds } from '../remote/thread-cpu.js';

export interface SessionOptions {
  configFile?: string | undefined;
  sshConfigFile?: string | undefined;
  acceptNewHostKeys: boolean;
  /** Force legacy algorithms on every host, whatever the profiles say. */
  legacyAlgorithms: boolean;
  passphrase: PassphraseSource;
  log: Logger;
  /** Injected in tests; otherwise `ssh -G` or the library, whichever is available. */
  sshResolver?: SshConfigResolver;
  /** The host (as named) whose connections carry this agent for forwarding (the direct path). */
  forwardAgent?: { host: string; agent: EphemeralAgent };
  /**
   * Relayed tar streams on a thread per host (stream-thread.ts); 'environment': as
   * VMIGRATE_RELAY_THREADS and the machine's cores say (relayThreadsWanted).
   */
  relayThreads?: boolean | 'environment';
}

export interface ConnectedHost {
  spec: HostSpec;
  pool: ConnectionPool;
  remote: Remote;
  /** The host's stream thread, when the session runs relays off the main thread. */
  thread?: StreamThread;
}

export class HostSession {
  private config: VmigrateConfig | undefined;
  private resolver: SshConfigResolver | undefined;
  private readonly hosts = new Map<string, Promise<ConnectedHost>>();
  /** Each key file's passphrase asked once: a stream thread's connection asks again. */
  private readonly passphrases = new Map<string, Promise<string | undefined>>();
  private readonly passphrase: PassphraseSource = (file) => {
    let asked = this.passphrases.get(file);
    if (!asked) {
      asked = this.opts.passphrase(file);
      this.passphrases.set(file, asked);
    }
    return asked;
  };

  private readonly relayThreads: boolean;

  constructor(private readonly opts: SessionOptions) {
    this.relayThreads =
      opts.relayThreads === 'environment' ? relayThreadsWanted() : opts.relayThreads === true;
  }

  async resolve(arg: string): Promise<HostSpec> {
    this.config ??= loadConfig(this.opts.configFile).config;
    this.resolver ??= this.opts.sshResolver ?? (await defaultResolver(this.opts.sshConfigFile));
    const spec = await resolveHost(arg, { config: this.config, ssh: this.resolver });
    if (this.opts.legacyAlgorithms) {
      spec.legacyAlgorithms = true;
      spec.jump.forEach((j) => (j.legacyAlgorithms = true));
    }
    return spec;
  }

  /** Resolve and connect (once per name); the first connection is made before returning. */
  open(arg: string): Promise<ConnectedHost> {
    let entry = this.hosts.get(arg);
    if (!entry) {
      entry = (async () => {
        const spec = await this.resolve(arg);
        const fwd = this.opts.forwardAgent;
        const pool = new ConnectionPool(spec, {
          acceptNewHostKeys: this.opts.acceptNewHostKeys,
          passphrase: this.passphrase,
          log: this.opts.log,
          ...(fwd?.host === arg ? { forwardAgent: fwd.agent } : {}),
        });
        await pool.connect();
        const thread = this.relayThreads
          ? new StreamThread(spec, () => pool.hostKey?.fingerprint, this.passphrase, this.opts.log)
          : undefined;
        return {
          spec,
          pool,
          remote: new SshRemote(pool, this.opts.log, thread),
          ...(thread ? { thread } : {}),
        };
      })();
      this.hosts.set(arg, entry);
      // A failed open may be retried later with the same name.
      entry.catch(() => this.hosts.delete(arg));
    }
    return entry;
  }

  /** The run agent the connections to `host` forward, if they do. */
  forwarded(host: string): EphemeralAgent | undefined {
    const fwd = this.opts.forwardAgent;
    return fwd?.host === host ? fwd.agent : undefined;
  }

  /** Cut every connection (what runs on them dies); hosts stay open for what comes next. */
  cut(): void {
    for (const h of this.hosts.values())
      void h
        .then((c) => {
          c.pool.cut();
          c.thread?.cut();
        })
        .catch(() => {});
  }

  async close(): Promise<void> {
    const all = [...this.hosts.values()];
    // With the stream threads' own figures (stream thread closed): where the relay's CPU went.
    this.opts.log.info(
      {
        busyMs: Math.round(performance.eventLoopUtilization().active),
        cpuSeconds: threadCpuSeconds(),
        relayThreads: this.relayThreads,
      },
      'main thread',
    );
    this.hosts.clear();
    await Promise.allSettled(
      all.map(async (h) => {
        const c = await h;
        c.pool.close();
        await c.thread?.close();
      }),
    );
  }
}
