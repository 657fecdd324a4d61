/**
 * Opening one authenticated SSH connection, through any bastions. Every hop is a full SSH
 * session with its own host-key check; the next hop rides a direct-tcpip channel of the last.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { BaseAgent, Client as SshClient, ConnectConfig, ParsedKey } from 'ssh2';
import type SftpClient from 'ssh2-sftp-client';
import { lateRequire } from '../late-require.js';

const { Client } = ssh2;
type Client = SshClient;
import type { VmigrateError } from '../errors.js';
import { AuthenticationError, ConnectionError, HostKeyError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { algorithmsFor } from './algorithms.js';
import { authHandler, planAuthentication, type PassphraseSource } from './auth.js';
import { knownTypesFor, verifyHostKey, type HostKeyOutcome } from './host-key.js';
import type { HostSpec } from './host-spec.js';

export interface ConnectOptions {
  acceptNewHostKeys: boolean;
  passphrase: PassphraseSource;
  log: Logger;
  /**
   * An agent this connection may forward to commands run with agent forwarding (the direct
   * data path's run key); never used to log in here.
   */
  forwardAgent?: BaseAgent<ParsedKey>;
}

export interface SshLink {
  client: Client;
  spec: HostSpec;
  hostKey: HostKeyOutcome;
  /** Bastion clients this link rides on, closed with it. */
  via: Client[];
  close(): void;
}

function openTcp(host: string, port: number, timeoutMs: number, label: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new ConnectionError(`no answer from ${host}:${port} within ${timeoutMs / 1000} s`, { host: label }),
      );
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      // ssh2 never sets no-delay: without it every small command waits on Nagle (~90 ms).
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 30_000);
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(tcpError(err, host, port, label));
    });
  });
}

function tcpError(err: NodeJS.ErrnoException, host: string, port: number, label: string): ConnectionError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new ConnectionError(`${host}:${port} refused the connection`, {
        host: label,
        hint: 'check that sshd runs there and the port is right',
        cause: err,
      });
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return new ConnectionError(`cannot resolve host name ${host}`, {
        host: label,
        transient: false,
        cause: err,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectionError(`${host} is unreachable (${err.code})`, { host: label, cause: err });
    default:
      return new ConnectionError(`cannot connect to ${host}:${port}: ${err.message}`, {
        host: label,
        cause: err,
      });
  }
}

function forwardThrough(client: Client, host: string, port: number, label: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      if (err) {
        reject(
          new ConnectionError(
            `the jump host could not open a connection to ${host}:${port}: ${err.message}`,
            {
              host: label,
              cause: err,
            },
          ),
        );
      } else resolve(stream);
    });
  });
}

function handshakeError(err: Error & { level?: string }, spec: HostSpec, notes: string[]): VmigrateError {
  const at = `${spec.user}@${spec.hostname}:${spec.port}`;
  if (err.level === 'client-authentication') {
    return new AuthenticationError(
      `the server ${at} refused every authentication method: ${notes.join('; ') || 'none available'}`,
      {
        host: spec.label,
        hint: `check that one of these keys is in ~${spec.user}/.ssh/authorized_keys on the server, or load the right key with ssh-add`,
        cause: err,
      },
    );
  }
  if (/no matching/i.test(err.message)) {
    return new ConnectionError(`${at}: ${err.message}`, {
      host: spec.label,
      transient: false,
      hint: spec.legacyAlgorithms
        ? 'the server offers nothing even the legacy algorithm set speaks'
        : 'the server speaks only old algorithms; if you trust it, set "legacyAlgorithms: true" in its profile or pass --legacy-algorithms',
      cause: err,
    });
  }
  if (/timed out/i.test(err.message)) {
    return new ConnectionError(`${at}: SSH handshake timed out`, { host: spec.label, cause: err });
  }
  return new ConnectionError(`${at}: ${err.message}`, { host: spec.label, cause: err });
}

/** What the host-key check of one handshake found: the key accepted, or why not. */
interface KeyCheck {
  hostKey?: HostKeyOutcome;
  error?: HostKeyError;
}

/**
 * The ssh2 settings of a handshake with `spec` over `sock`: the same algorithms, timeouts,
 * authentication and known_hosts check for every connection vmigrate opens (pool and SFTP).
 */
function connectConfig(
  spec: HostSpec,
  sock: Duplex,
  plan: Awaited<ReturnType<typeof planAuthentication>>,
  opts: ConnectOptions,
  check: KeyCheck,
): ConnectConfig {
  return {
    sock,
    username: spec.user,
    readyTimeout: spec.connectTimeoutMs,
    keepaliveInterval: spec.keepaliveIntervalMs,
    keepaliveCountMax: spec.keepaliveCountMax,
    algorithms: algorithmsFor({ legacy: spec.legacyAlgorithms, knownKeyTypes: knownTypesFor(spec) }),
    authHandler: authHandler(plan),
    // Log-in goes through authHandler alone; ssh2 keeps this agent for forwarded channels.
    ...(opts.forwardAgent ? { agent: opts.forwardAgent } : {}),
    hostVerifier: (key: Buffer) => {
      try {
        check.hostKey = verifyHostKey(spec, key, opts.acceptNewHostKeys);
        if (check.hostKey.recordedIn) {
          opts.log.warn(
            { host: spec.label, fingerprint: check.hostKey.fingerprint, file: check.hostKey.recordedIn },
            'new host key recorded',
          );
        }
        return true;
      } catch (err) {
        check.error = err as HostKeyError;
        return false;
      }
    },
  };
}

async function handshake(
  spec: HostSpec,
  sock: Duplex,
  opts: ConnectOptions,
): Promise<{ client: Client; hostKey: HostKeyOutcome }> {
  const plan = await planAuthentication(spec, opts.passphrase);
  const client = new Client();
  const check: KeyCheck = {};
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: VmigrateError) => {
      if (settled) return;
      settled = true;
      client.end();
      sock.destroy();
      reject(err);
    };
    client.once('ready', () => {
      if (settled || !check.hostKey)
        return fail(new HostKeyError('the host key was never checked', { host: spec.label }));
      settled = true;
      resolve({ client, hostKey: check.hostKey });
    });
    // A failed handshake can emit 'error' twice; later errors are logged by the owner.
    client.on('error', (err: Error & { level?: string }) => {
      if (!settled) fail(check.error ?? handshakeError(err, spec, plan.notes));
    });
    client.once('close', () => {
      if (!settled)
        fail(
          check.error ??
            new ConnectionError(`${spec.hostname}:${spec.port} closed the connection during the handshake`, {
              host: spec.label,
            }),
        );
    });
    client.connect(connectConfig(spec, sock, plan, opts, check));
  });
}

/** A socket to the host itself, through its bastions (each a checked SSH session of its own). */
async function tunnelTo(spec: HostSpec, opts: ConnectOptions): Promise<{ sock: Duplex; via: Client[] }> {
  const via: Client[] = [];
  try {
    for (const hop of spec.jump) {
      const label = `${hop.label} (jump host for ${spec.label})`;
      const sock =
        via.length === 0
          ? await openTcp(hop.hostname, hop.port, hop.connectTimeoutMs, label)
          : await forwardThrough(via[via.length - 1]!, hop.hostname, hop.port, label);
      const { client, hostKey } = await handshake({ ...hop, label }, sock, opts);
      via.push(client);
      opts.log.debug({ host: label, fingerprint: hostKey.fingerprint }, 'jump host connected');
    }
    const sock =
      via.length === 0
        ? await openTcp(spec.hostname, spec.port, spec.connectTimeoutMs, spec.label)
        : await forwardThrough(via[via.length - 1]!, spec.hostname, spec.port, spec.label);
    return { sock, via };
  } catch (err) {
    via.forEach((c) => c.end());
    throw err;
  }
}

export async function openLink(spec: HostSpec, opts: ConnectOptions): Promise<SshLink> {
  const { sock, via } = await tunnelTo(spec, opts);
  const closeAll = () => via.forEach((c) => c.end());
  try {
    const { client, hostKey } = await handshake(spec, sock, opts);
    return {
      client,
      spec,
      hostKey,
      via,
      close: () => {
        client.end();
        closeAll();
      },
    };
  } catch (err) {
    closeAll();
    throw err;
  }
}

export interface SftpLink {
  sftp: SftpClient;
  close(): void;
}

/**
 * An SFTP session (ssh2-sftp-client) on a connection of its own, made exactly as the pool's
 * are: the same bastions, algorithms, authentication and known_hosts check.
 */
export async function openSftp(spec: HostSpec, opts: ConnectOptions): Promise<SftpLink> {
  const { sock, via } = await tunnelTo(spec, opts);
  const closeAll = () => via.forEach((c) => c.end());
  const check: KeyCheck = {};
  // Without callbacks of its own the library prints its connection events on the console.
  const quiet = { error: () => undefined, end: () => undefined, close: () => undefined };
  const Sftp = lateRequire('ssh2-sftp-client') as typeof SftpClient;
  const sftp = new Sftp(`vmigrate:${spec.label}`, quiet);
  let notes: string[] = [];
  try {
    const plan = await planAuthentication(spec, opts.passphrase);
    notes = plan.notes;
    await sftp.connect(connectConfig(spec, sock, plan, opts, check));
    if (!check.hostKey) throw new HostKeyError('the host key was never checked', { host: spec.label });
  } catch (err) {
    closeAll();
    sock.destroy();
    if (check.error) throw check.error;
    throw err instanceof HostKeyError ? err : handshakeError(err as Error, spec, notes);
  }
  return {
    sftp,
    close: () => {
      void sftp.end().catch(() => undefined);
      closeAll();
    },
  };
}
