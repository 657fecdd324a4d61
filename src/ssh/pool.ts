/**
 * A pool of SSH connections to one host, handing out exec channels. Channels are packed onto
 * the first connections (many channels on one connection measured faster than one channel on
 * each of many connections); another connection is opened only when every open one is full.
 * A server that allows fewer sessions than expected (sshd MaxSessions) answers "open failed":
 * that connection's capacity is lowered to what it actually took, and the channel is retried
 * elsewhere. Extra connections are opened one at a time, because sshd drops bursts of
 * unauthenticated connections (MaxStartups).
 */
import type { Duplex } from 'node:stream';
import type { ClientChannel, ExecOptions } from 'ssh2';

export interface ChannelOptions {
  /** Forward the connection's agent (ConnectOptions.forwardAgent) to this command. */
  forwardAgent?: boolean;
}
import { ConnectionError } from '../errors.js';
import { openLink, openSftp, type ConnectOptions, type SftpLink, type SshLink } from './connect.js';
import type { HostSpec } from './host-spec.js';

export interface ChannelExit {
  code: number | null;
  signal: string | null;
  /** The channel closed because its connection died: what ran there may not have finished. */
  lost?: boolean;
}

export interface OpenChannel {
  channel: ClientChannel;
  /** Resolves when the channel closes, with the exit status the server reported (if any). */
  closed: Promise<ChannelExit>;
}

interface PooledConnection {
  id: number;
  link: SshLink;
  inFlight: number;
  capacity: number;
  dead: boolean;
}

export interface PoolStats {
  connectionsOpened: number;
  liveConnections: number;
  peakChannels: number;
  sessionLimitSeen: number | undefined;
}

function isOpenFailure(err: Error): boolean {
  return /open failed|channel open failure|administratively prohibited/i.test(err.message);
}

export class ConnectionPool {
  private readonly conns: PooledConnection[] = [];
  private readonly waiters: (() => void)[] = [];
  private opening: Promise<void> | undefined;
  private nextId = 1;
  private maxConnections: number;
  private closed = false;
  private sftp_: Promise<SftpLink> | undefined;
  private readonly stats_: PoolStats = {
    connectionsOpened: 0,
    liveConnections: 0,
    peakChannels: 0,
    sessionLimitSeen: undefined,
  };
  private inFlightTotal = 0;

  constructor(
    readonly spec: HostSpec,
    private readonly opts: ConnectOptions,
  ) {
    this.maxConnections = spec.maxConnections;
  }

  get stats(): PoolStats {
    return { ...this.stats_, liveConnections: this.conns.filter((c) => !c.dead).length };
  }

  /** The first connection's host key, once connected. */
  get hostKey() {
    return this.conns[0]?.link.hostKey;
  }

  /** Make sure at least one connection is up: surfaces host key and auth errors early. */
  async connect(): Promise<void> {
    if (!this.conns.some((c) => !c.dead)) await this.grow();
  }

  private async grow(): Promise<void> {
    if (this.opening) return this.opening;
    this.opening = (async () => {
      const live = this.conns.filter((c) => !c.dead).length;
      let attempt = 0;
      for (;;) {
        try {
          const link = await openLink(this.spec, this.opts);
          const conn: PooledConnection = {
            id: this.nextId++,
            link,
            inFlight: 0,
            capacity: this.spec.maxSessions,
            dead: false,
          };
          link.client.on('close', () => this.markDead(conn));
          link.client.on('error', (err) => {
            this.opts.log.warn(
              { host: this.spec.label, conn: conn.id, err: err.message },
              'ssh connection error',
            );
            this.markDead(conn);
          });
          if (this.closed) {
            link.close();
            return;
          }
          this.conns.push(conn);
          this.stats_.connectionsOpened++;
          this.opts.log.debug({ host: this.spec.label, conn: conn.id }, 'ssh connection opened');
          return;
        } catch (err) {
          // The first connection's error is the operator's to see; an extra one is optional.
          if (live === 0 || !(err instanceof ConnectionError) || !err.transient || attempt >= 3) {
            if (live > 0) {
              this.maxConnections = live;
              this.opts.log.warn(
                { host: this.spec.label, err: (err as Error).message },
                'extra connection refused; staying with the open ones',
              );
              return;
            }
            throw err;
          }
          attempt++;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
    })().finally(() => {
      this.opening = undefined;
      this.wakeAll();
    });
    return this.opening;
  }

  private markDead(conn: PooledConnection) {
    if (conn.dead) return;
    conn.dead = true;
    const i = this.conns.indexOf(conn);
    if (i >= 0) this.conns.splice(i, 1);
    this.wakeAll();
  }

  private wakeAll() {
    for (const w of this.waiters.splice(0)) w();
  }

  private release(conn: PooledConnection) {
    conn.inFlight--;
    this.inFlightTotal--;
    this.waiters.shift()?.();
  }

  private tryExec(conn: PooledConnection, command: string, opts: ChannelOptions): Promise<OpenChannel> {
    // ssh2 takes agentForward per exec; its types do not list it.
    const execOpts = (opts.forwardAgent ? { agentForward: true } : {}) as ExecOptions;
    return new Promise((resolve, reject) => {
      try {
        conn.link.client.exec(command, execOpts, (err, channel) => {
          if (err) return reject(err);
          // ssh2 may parse the exit status and the close from the same packet batch before any
          // promise continuation runs: listen now, synchronously, or those events are lost.
          let code: number | null = null;
          let signal: string | null = null;
          channel.on('exit', (c: number | null, s?: string) => {
            code = typeof c === 'number' ? c : null;
            signal = s ? (s.startsWith('SIG') ? s : `SIG${s}`) : null;
          });
          // ssh2 marks the connection closed (markDead) before it closes the connection's channels.
          const closed = new Promise<ChannelExit>((r) =>
            channel.once('close', () =>
              r(conn.dead && code === null ? { code, signal, lost: true } : { code, signal }),
            ),
          );
          channel.once('close', () => this.release(conn));
          resolve({ channel, closed });
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Open an exec channel running `command`; the slot is released when the channel closes. */
  async exec(command: string, opts: ChannelOptions = {}): Promise<OpenChannel> {
    for (let attempts = 0; ; attempts++) {
      if (this.closed)
        throw new ConnectionError('the connection pool is closed', {
          host: this.spec.label,
          transient: false,
        });
      const conn = this.conns.find((c) => !c.dead && c.inFlight < c.capacity);
      if (!conn) {
        const live = this.conns.filter((c) => !c.dead).length;
        if (live < this.maxConnections && !this.opening) {
          await this.grow();
        } else {
          await new Promise<void>((r) => this.waiters.push(r));
        }
        continue;
      }
      conn.inFlight++;
      this.inFlightTotal++;
      this.stats_.peakChannels = Math.max(this.stats_.peakChannels, this.inFlightTotal);
      try {
        return await this.tryExec(conn, command, opts);
      } catch (err) {
        this.release(conn);
        const e = err as Error;
        if (isOpenFailure(e) && attempts < 50) {
          // The server takes fewer sessions than we assumed: remember what it really allows.
          conn.capacity = Math.max(1, conn.inFlight);
          this.stats_.sessionLimitSeen = conn.capacity;
          this.opts.log.debug(
            { host: this.spec.label, conn: conn.id, capacity: conn.capacity },
            'session limit reached',
          );
          continue;
        }
        if (conn.dead && attempts < 5) continue;
        throw new ConnectionError(`cannot open a channel on ${this.spec.label}: ${e.message}`, {
          host: this.spec.label,
          cause: e,
        });
      }
    }
  }

  /** The host's SFTP session (opened on first use, on a connection of its own; closed with the pool). */
  sftp(): Promise<SftpLink> {
    if (this.closed)
      return Promise.reject(
        new ConnectionError('the connection pool is closed', { host: this.spec.label, transient: false }),
      );
    if (!this.sftp_) {
      this.sftp_ = openSftp(this.spec, this.opts);
      // A failed open may be tried again.
      this.sftp_.catch(() => (this.sftp_ = undefined));
    }
    return this.sftp_;
  }

  /**
   * A TCP connection the server opens to host:port on our behalf (a direct-tcpip channel): what
   * the server itself can reach, which is not what this laptop can. Sessions are not spent.
   */
  async forward(host: string, port: number): Promise<Duplex> {
    let conn = this.conns.find((c) => !c.dead);
    if (!conn) {
      await this.grow();
      conn = this.conns.find((c) => !c.dead);
    }
    if (!conn) throw new ConnectionError(`no connection to ${this.spec.label}`, { host: this.spec.label });
    const link = conn.link;
    return new Promise((resolve, reject) => {
      link.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (err)
          reject(
            new ConnectionError(
              `${this.spec.label} could not open a connection to ${host}:${port}: ${err.message}`,
              {
                host: this.spec.label,
                transient: false,
                cause: err,
              },
            ),
          );
        else resolve(stream);
      });
    });
  }

  /**
   * Drop every connection, cutting what runs on them, but stay usable: the next command opens a
   * new one. What a stop after Ctrl-C needs, so that locks can still be released.
   */
  cut(): void {
    for (const c of this.conns.splice(0)) {
      c.dead = true;
      c.link.close();
    }
    this.wakeAll();
  }

  close(): void {
    this.closed = true;
    void this.sftp_?.then((l) => l.close()).catch(() => undefined);
    this.sftp_ = undefined;
    for (const c of this.conns.splice(0)) {
      c.dead = true;
      c.link.close();
    }
    this.wakeAll();
  }
}
