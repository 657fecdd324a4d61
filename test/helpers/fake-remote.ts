/**
 * A Remote in memory, for unit tests of code that runs commands: each command is matched
 * against the answers given (first match wins) and recorded with its stdin, so a test can
 * check both what was asked and what was shown to the host. An unexpected command fails the
 * test loudly instead of returning something made up.
 */
import { PassThrough } from 'node:stream';
import { RemoteCommandError } from '../../src/errors.js';
import { commandLine, displayCommand, type Arg } from '../../src/remote/quote.js';
import type { ExecOptions, ExecResult, Remote, RemoteProcess } from '../../src/remote/remote.js';

export interface Answer {
  /** Matched against the command line as the host would receive it. */
  match: RegExp;
  stdout?: string | Buffer | ((stdin: Buffer) => string | Buffer);
  stderr?: string;
  code?: number;
}

export interface Asked {
  argv: readonly Arg[];
  /** The command line exactly as sent to the host (secrets in clear). */
  line: string;
  stdin: Buffer;
}

async function readAll(stdin: ExecOptions['stdin']): Promise<Buffer> {
  if (stdin === undefined) return Buffer.alloc(0);
  if (typeof stdin === 'string') return Buffer.from(stdin);
  if (Buffer.isBuffer(stdin)) return stdin;
  const parts: Buffer[] = [];
  for await (const c of stdin) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

export class FakeRemote implements Remote {
  readonly asked: Asked[] = [];
  private readonly answers: Answer[] = [];

  constructor(readonly label = 'fake') {}

  answer(...answers: Answer[]): this {
    this.answers.push(...answers);
    return this;
  }

  async exec(argv: readonly Arg[], options: ExecOptions = {}): Promise<ExecResult> {
    const line = commandLine(argv);
    const stdin = await readAll(options.stdin);
    this.asked.push({ argv, line, stdin });
    const a = this.answers.find((x) => x.match.test(line));
    if (!a) throw new Error(`FakeRemote ${this.label}: no answer for ${displayCommand(argv)}`);
    const out = typeof a.stdout === 'function' ? a.stdout(stdin) : (a.stdout ?? '');
    return {
      command: displayCommand(argv),
      stdout: Buffer.isBuffer(out) ? out : Buffer.from(out),
      stderr: a.stderr ?? '',
      code: a.code ?? 0,
      signal: null,
    };
  }

  async run(argv: readonly Arg[], options?: ExecOptions): Promise<ExecResult> {
    const r = await this.exec(argv, options);
    if (r.code !== 0) throw new RemoteCommandError(`${r.command} failed on ${this.label}: ${r.stderr}`, r);
    return r;
  }

  /** The same answers as exec, once the command's stdin has ended (as a streamed command reads it). */
  spawn(argv: readonly Arg[]): Promise<RemoteProcess> {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const done = this.exec(argv, { stdin }).then(
      (r) => {
        stdout.end(r.stdout);
        return { code: r.code, signal: null, stderr: r.stderr };
      },
      (e: unknown) => {
        stdout.destroy(e instanceof Error ? e : new Error(String(e)));
        throw e;
      },
    );
    return Promise.resolve({
      stdin,
      stdout,
      done,
      command: displayCommand(argv),
      kill: () => stdin.destroy(),
    });
  }

  async close(): Promise<void> {}
}
