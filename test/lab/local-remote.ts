/**
 * The Remote interface over local child processes: lets the lab's installers and fixture
 * loader run inside a container image build, where there is no SSH yet.
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { RemoteCommandError } from '../../src/errors.js';
import { displayCommand, Secret, type Arg } from '../../src/remote/quote.js';
import type { ExecOptions, ExecResult, ExitStatus, Remote, RemoteProcess } from '../../src/remote/remote.js';

const plain = (argv: readonly Arg[]) => argv.map((a) => (a instanceof Secret ? a.value : a));

export class LocalRemote implements Remote {
  readonly label = 'local';

  spawn(argv: readonly Arg[]): Promise<RemoteProcess> {
    const [cmd = 'true', ...args] = plain(argv);
    const child = spawn(cmd, args, { stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<ExitStatus>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stderr })),
    );
    return Promise.resolve({
      stdin: child.stdin,
      stdout: child.stdout,
      done,
      command: displayCommand(argv),
      kill: () => child.kill('SIGKILL'),
    });
  }

  async exec(argv: readonly Arg[], options: ExecOptions = {}): Promise<ExecResult> {
    const proc = await this.spawn(argv);
    const out: Buffer[] = [];
    proc.stdout.on('data', (d: Buffer) => out.push(d));
    const { stdin } = options;
    if (stdin === undefined) proc.stdin.end();
    else if (stdin instanceof Readable) stdin.pipe(proc.stdin);
    else proc.stdin.end(stdin);
    const status = await proc.done;
    return { ...status, stdout: Buffer.concat(out), command: proc.command };
  }

  async run(argv: readonly Arg[], options: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.exec(argv, options);
    if (r.code !== 0)
      throw new RemoteCommandError(
        `"${r.command}" exited with status ${r.code ?? r.signal}: ${r.stderr.trim()}`,
        r,
      );
    return r;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
