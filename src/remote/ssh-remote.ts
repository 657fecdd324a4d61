/** Remote over an SSH connection pool: one exec channel per command. */
import { randomBytes } from 'node:crypto';
import { Readable, type Duplex } from 'node:stream';
import { ConnectionError, RemoteCommandError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ConnectionPool } from '../ssh/pool.js';
import { connectionLost } from './stream-lines.js';
import { commandLine, displayCommand, type Arg } from './quote.js';
import type {
  ExecOptions,
  ExecResult,
  ExitStatus,
  FileRead,
  PipedProcess,
  Remote,
  RemoteProcess,
  SpawnOptions,
} from './remote.js';
import type { PipeEnd, StreamThread } from './stream-thread.js';
import type { ChannelExit } from '../ssh/pool.js';

/** A started command's channel, wherever it runs: the pool's, or a stream thread's. */
interface LaunchedChannel {
  channel: Duplex & { stderr: NodeJS.EventEmitter };
  closed: Promise<ChannelExit>;
  /** Read and drop what the command still prints (it is being killed). */
  drain: () => void;
}

const STDERR_CAP = 64 * 1024;
const DEFAULT_MAX_STDOUT = 64 * 1024 * 1024;
const PID_SEARCH_LIMIT = 8 * 1024;

/**
 * Collects stderr up to a cap. It must always be read: an unread stderr stalls stdout.
 * The launcher (see LAUNCHER) writes the remote pid as a line of its own; it is taken off here.
 * It is usually the first line, but sudo or a login shell may write warnings before it.
 */
class StderrSink {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;
  /** Bytes held back while the pid line is still expected. */
  private pending: Buffer | undefined = Buffer.alloc(0);
  pid: number | undefined;
  onPid: ((pid: number) => void) | undefined;

  push(chunk: Buffer) {
    if (this.pending === undefined) return this.store(chunk);
    let buf = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl < 0) break;
      const line = buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
      const m = /^vmigrate-pid (\d+)$/.exec(line.toString('latin1'));
      if (m?.[1]) {
        this.pid = Number(m[1]);
        this.pending = undefined;
        this.onPid?.(this.pid);
        if (buf.length > 0) this.store(buf);
        return;
      }
      this.store(Buffer.concat([line, Buffer.from('\n')]));
    }
    if (buf.length > PID_SEARCH_LIMIT) {
      this.pending = undefined;
      this.store(buf);
    } else this.pending = buf;
  }

  private store(chunk: Buffer) {
    if (this.size < STDERR_CAP) {
      const part = chunk.subarray(0, STDERR_CAP - this.size);
      this.chunks.push(part);
      this.size += part.length;
      this.dropped += chunk.length - part.length;
    } else this.dropped += chunk.length;
  }

  text(): string {
    const t = Buffer.concat([...this.chunks, ...(this.pending ? [this.pending] : [])]).toString('utf8');
    return this.dropped > 0 ? `${t}\n[... ${this.dropped} more bytes of stderr dropped]` : t;
  }
}

/**
 * sshd refuses "signal" requests for many logins (root among them), and closing a channel does
 * not stop a process that is not writing. So every command reports its pid first, and is
 * killed, with its process group, through a second channel when needed. Its first argument is
 * the controller's mark, exported with the C locale by the shell itself (an `env` process in
 * between cost an exec per command).
 */
const LAUNCHER = 'echo "vmigrate-pid $$" >&2; export LC_ALL=C "$1"; shift; exec "$@"';
/**
 * Stops the processes named `pid:pgid` with their groups: TERM first, so that a script's EXIT
 * trap removes what it made (the direct path's temporary directory on the source), then KILL for whatever still runs after two seconds (a stopped process, one that
 * ignores TERM), so nothing of them writes after the caller goes on. `kill -KILL -- -PGID` is
 * what POSIX shows, but dash (Debian's /bin/sh) takes `--` for a pid and kills nothing: the group
 * is named as `-PGID` right after the signal. Fractional sleep: GNU and BSD both take it.
 */
const STOP_GROUPS =
  'stop_groups() { ' +
  'for e in "$@"; do p=${e%%:*} pg=${e#*:}; ' +
  'if [ -n "$pg" ] && [ "$pg" != 1 ]; then kill -TERM "-$pg" 2>/dev/null; fi; kill -TERM "$p" 2>/dev/null; done; ' +
  'n=0; while [ "$n" -lt 20 ]; do a=; for e in "$@"; do kill -0 "${e%%:*}" 2>/dev/null && a=1; done; ' +
  '[ -z "$a" ] && break; sleep 0.1; n=$((n + 1)); done; ' +
  'for e in "$@"; do p=${e%%:*} pg=${e#*:}; ' +
  'if [ -n "$pg" ] && [ "$pg" != 1 ]; then kill -KILL "-$pg" 2>/dev/null; fi; kill -KILL "$p" 2>/dev/null; done; }; ';
const GROUP_OF = 'pg=$(ps -o pgid= -p "$p" 2>/dev/null | tr -d " "); ';
const KILLER = `${STOP_GROUPS}p=$1; ${GROUP_OF}stop_groups "$p:$pg"; true`;
/**
 * Stops the processes left by a connection that died, each only while it still carries this
 * controller's mark in its environment (its pid may have been reused since). A process whose
 * connection was given up is not necessarily gone: an sshd session that was frozen (a stopped
 * process, a suspended VM) wakes up later and hands its process whatever was still buffered,
 * and a tar -x woken that way must not write after a retry has done the work.
 */
const REAPER =
  `${STOP_GROUPS}m=$1; shift; set -- $(for p in "$@"; do ` +
  '[ -r "/proc/$p/environ" ] && tr "\\000" "\\n" < "/proc/$p/environ" | grep -qx "$m" || continue; ' +
  `${GROUP_OF}echo "$p:$pg"; done); ` +
  'for e in "$@"; do echo "${e%%:*}"; done; [ "$#" -gt 0 ] && stop_groups "$@"; true';

export class SshRemote implements Remote {
  /** Set in the environment of every command this controller runs: how REAPER knows its own. */
  private readonly mark = `VMIGRATE_CONTROLLER=${randomBytes(12).toString('hex')}`;
  /** Pids of commands whose connection died under them: killed before the next command runs. */
  private orphans = new Set<number>();
  private reaping: Promise<void> | undefined;

  readonly readFile: ((path: string) => Promise<FileRead | undefined>) | undefined;
  readonly spawnPiped: Remote['spawnPiped'];

  constructor(
    private readonly pool: ConnectionPool,
    private readonly log: Logger,
    /** The host's stream thread, for the relay's channels (stream-thread.ts); none: all here. */
    private readonly thread?: StreamThread,
  ) {
    // SFTP runs as the login: through sudo, only exec reaches root's files.
    this.readFile = pool.spec.sudo ? undefined : (path) => this.readViaSftp(path);
    this.spawnPiped = thread ? (argv, pipe, onBytes) => this.spawnOnThread(argv, pipe, onBytes) : undefined;
  }

  private async readViaSftp(path: string): Promise<FileRead | undefined> {
    const { sftp } = await this.pool.sftp();
    const kind = await sftp.exists(path);
    if (kind === false) return undefined;
    const st = await sftp.stat(path);
    const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (kind !== '-')
      return {
        ...base,
        type: kind === 'd' ? 'dir' : kind === 'l' ? 'link' : 'other',
        content: Buffer.alloc(0),
      };
    const content = st.size === 0 ? Buffer.alloc(0) : await sftp.get(path);
    if (!Buffer.isBuffer(content)) throw new Error(`${this.label}: SFTP gave no content for ${path}`);
    return { ...base, type: 'file', content };
  }

  get label(): string {
    return this.pool.spec.label;
  }

  /**
   * sudo and a fixed C locale are applied here, so callers never think about either. sudo
   * drops SSH_AUTH_SOCK: a command given the forwarded agent gets it back by value (root may
   * open the login's socket).
   */
  private wrap(argv: readonly Arg[], agent = false): Arg[] {
    const base: Arg[] = ['sh', '-c', LAUNCHER, 'vmigrate', this.mark, ...argv];
    if (!this.pool.spec.sudo) return base;
    const sudo: Arg[] = ['sudo', '-n', '--', ...base];
    return agent
      ? ['sh', '-c', 'exec sudo -n -- env "SSH_AUTH_SOCK=$SSH_AUTH_SOCK" "$@"', 'vmigrate-agent', ...base]
      : sudo;
  }

  private killRemote(pid: number): void {
    const argv: Arg[] = ['sh', '-c', KILLER, 'vmigrate-kill', String(pid)];
    const full = this.pool.spec.sudo ? ['sudo', '-n', '--', ...argv] : argv;
    void this.pool
      .exec(commandLine(full))
      .then(({ channel }) => {
        channel.on('data', () => undefined);
        channel.stderr.on('data', () => undefined);
        channel.end();
      })
      .catch((err: Error) =>
        this.log.warn({ host: this.label, pid, err: err.message }, 'could not kill a remote process'),
      );
  }

  /**
   * Kills what dead connections left running, once, before anything else runs here: a retry
   * must never race a writer of the attempt it replaces. Best effort when the host cannot be
   * reached (the command that follows fails the same way).
   */
  private reapOrphans(): Promise<void> {
    if (this.orphans.size === 0) return this.reaping ?? Promise.resolve();
    const pids = [...this.orphans];
    this.orphans = new Set();
    const argv: Arg[] = ['sh', '-c', REAPER, 'vmigrate-reap', this.mark, ...pids.map(String)];
    const previous = this.reaping ?? Promise.resolve();
    const reaping = previous
      .then(() => this.pool.exec(commandLine(this.pool.spec.sudo ? ['sudo', '-n', '--', ...argv] : argv)))
      .then(({ channel, closed }) => {
        let out = '';
        channel.on('data', (d: Buffer) => (out += d.toString()));
        channel.stderr.on('data', () => undefined);
        channel.end();
        return closed.then(() =>
          this.log.info(
            { host: this.label, orphans: pids, killed: out.split('\n').filter(Boolean).map(Number) },
            'processes of a lost connection stopped',
          ),
        );
      })
      .catch((err: Error) => {
        this.log.warn(
          { host: this.label, pids, err: err.message },
          'could not stop the processes of a lost connection',
        );
      })
      .finally(() => {
        if (this.reaping === reaping) this.reaping = undefined;
      });
    this.reaping = reaping;
    return reaping;
  }

  spawn(argv: readonly Arg[], options: SpawnOptions = {}): Promise<RemoteProcess> {
    const forwardAgent = options.forwardAgent === true;
    return this.launch(argv, forwardAgent, async (command) => {
      const { channel, closed } = await this.pool.exec(command, { forwardAgent });
      return { channel, closed, drain: () => channel.resume() };
    });
  }

  /**
   * A command on the host's stream thread (stream-thread.ts), its stdout or stdin joined to
   * another thread's command through `pipe`: only where the session gave this host a thread.
   */
  private async spawnOnThread(
    argv: readonly Arg[],
    pipe: PipeEnd,
    onBytes?: (n: number) => void,
  ): Promise<PipedProcess> {
    let piped: Promise<void> = Promise.resolve();
    const proc = await this.launch(argv, false, async (command) => {
      const { channel, closed } = await this.thread!.exec(command, pipe);
      channel.onBytes = onBytes;
      piped = channel.piped;
      return { channel, closed, drain: () => channel.drain() };
    });
    return { ...proc, piped };
  }

  /**
   * The one way a command is started: wrapped (sudo, locale, the launcher's pid), its stderr
   * kept, its kill and its loss handled, whichever connection `open` runs it on.
   */
  private async launch(
    argv: readonly Arg[],
    forwardAgent: boolean,
    open: (command: string) => Promise<LaunchedChannel>,
  ): Promise<RemoteProcess> {
    await this.reapOrphans();
    const full = this.wrap(argv, forwardAgent);
    const shown = displayCommand(argv);
    const { channel, closed, drain } = await open(commandLine(full));
    // The channel is both stdin and stdout: a relay pipes into and out of it at once.
    channel.setMaxListeners(32);
    const stderr = new StderrSink();
    channel.stderr.on('data', (d: Buffer) => stderr.push(d));
    const started = Date.now();
    this.log.debug({ host: this.label, cmd: shown }, 'spawn');
    const done: Promise<ExitStatus> = closed.then((exit) => {
      if (exit.lost && stderr.pid !== undefined) this.orphans.add(stderr.pid);
      this.log.debug(
        { host: this.label, cmd: shown, code: exit.code, ms: Date.now() - started },
        'spawn closed',
      );
      return { ...exit, stderr: stderr.text() };
    });
    let killRequested = false;
    stderr.onPid = (pid) => {
      if (killRequested) this.killRemote(pid);
    };
    return {
      stdin: channel,
      stdout: channel,
      done,
      command: shown,
      kill: () => {
        if (killRequested) return;
        killRequested = true;
        // Nobody reads its output any more; ssh2 closes a channel only once stdout has ended.
        drain();
        if (stderr.pid !== undefined) this.killRemote(stderr.pid);
        // Without a pid yet, onPid kills it as soon as it is known.
      },
    };
  }

  async exec(argv: readonly Arg[], options: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const proc = await this.spawn(argv);
    const maxStdout = options.maxStdout ?? DEFAULT_MAX_STDOUT;
    const out: Buffer[] = [];
    let outSize = 0;
    let overflow = false;
    let timedOut = false;
    proc.stdout.on('data', (d: Buffer) => {
      outSize += d.length;
      if (outSize > maxStdout) {
        if (!overflow) proc.kill();
        overflow = true;
      } else out.push(d);
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            proc.kill();
          }, options.timeoutMs);
    const { stdin } = options;
    if (stdin === undefined) proc.stdin.end();
    else if (stdin instanceof Readable) stdin.pipe(proc.stdin);
    else proc.stdin.end(stdin);
    const status = await proc.done;
    if (timer) clearTimeout(timer);
    const result: ExecResult = { ...status, stdout: Buffer.concat(out), command: proc.command };
    this.log.debug(
      {
        host: this.label,
        cmd: proc.command,
        code: status.code,
        signal: status.signal,
        ms: Date.now() - started,
        bytes: outSize,
      },
      'exec',
    );
    if (timedOut) {
      throw new ConnectionError(
        `"${proc.command}" on ${this.label} did not finish within ${options.timeoutMs! / 1000} s`,
        {
          host: this.label,
        },
      );
    }
    if (overflow) {
      throw new RemoteCommandError(
        `"${proc.command}" on ${this.label} printed more than ${maxStdout} bytes`,
        {
          ...result,
          code: result.code,
        },
      );
    }
    return result;
  }

  async run(argv: readonly Arg[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(argv, options);
    if (result.lost) throw connectionLost(this, result.command);
    if (result.code !== 0) {
      const why =
        result.code === null
          ? `was killed by signal ${result.signal ?? '(none reported)'}`
          : `exited with status ${result.code}`;
      // vpopmail's tools write their errors to stdout; what a killed script printed before it
      // died is not an error message.
      const detail =
        result.stderr.trim() ||
        (result.code === null ? '' : result.stdout.toString('utf8').trim().slice(0, 2000));
      throw new RemoteCommandError(
        `"${result.command}" on ${this.label} ${why}${detail ? `: ${detail}` : ''}`,
        result,
        {
          host: this.label,
        },
      );
    }
    return result;
  }

  connectFrom(host: string, port: number): Promise<Duplex> {
    return this.pool.forward(host, port);
  }

  close(): Promise<void> {
    this.pool.close();
    return Promise.resolve();
  }
}
