/**
 * What every vmigrate command shares: common flags, the run log, the host session, Ctrl-C,
 * and the one place where an error becomes a message and an exit code.
 */
import { createInterface } from 'node:readline/promises';
import { join } from 'node:path';
import { Command, Flags, Errors } from '@oclif/core';
import { describeError, ExitCode, exitCodeOf, InterruptedError, VmigrateError } from '../errors.js';
import { openRunLog, type RunLog } from '../log/logger.js';
import { scrubText } from '../log/redact.js';
import { HostSession } from '../hosts/session.js';
import { defaultStateDir } from '../paths.js';
import { defaultPassphraseSource } from '../ssh/auth.js';
import { nativeCryptoLoaded } from '../ssh/native.js';

/** How long streams in flight may run on after the first Ctrl-C. */
const STOP_GRACE_MS = 5000;

async function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Echo off: readline writes nothing for typed characters when its output is muted this way.
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(question)) write.call(rl, question);
  };
  try {
    return await rl.question(question);
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

export abstract class VmigrateCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'Print machine-readable JSON on stdout instead of text.' }),
    config: Flags.string({
      description:
        'vmigrate configuration file (default: ./vmigrate.yaml over ~/.config/vmigrate/config.yaml).',
      helpGroup: 'GLOBAL',
    }),
    'ssh-config': Flags.string({
      description: 'OpenSSH client configuration file (default: ~/.ssh/config).',
      helpGroup: 'GLOBAL',
    }),
    'accept-new-host-keys': Flags.boolean({
      description: 'Record host keys not yet in known_hosts (never accepts a changed key).',
      helpGroup: 'GLOBAL',
    }),
    'legacy-algorithms': Flags.boolean({
      description: 'Allow SHA-1 key exchange, ssh-rsa host keys and CBC ciphers for every host.',
      helpGroup: 'GLOBAL',
    }),
    state: Flags.string({
      description: 'Directory for the state store and logs.',
      helpGroup: 'GLOBAL',
      env: 'VMIGRATE_STATE_DIR',
    }),
  };

  protected runLog: RunLog | undefined;
  /** Where the state store and logs live (set by openSession). */
  protected stateDir: string = defaultStateDir();
  protected session: HostSession | undefined;
  protected readonly abort = new AbortController();
  private interrupts = 0;
  private readonly onSigint = () => this.interrupt();

  protected jsonMode(): boolean {
    return this.argv.includes('--json');
  }

  /** Print a line for the operator (stderr when stdout carries JSON). */
  protected say(text: string): void {
    if (this.jsonMode()) process.stderr.write(text + '\n');
    else process.stdout.write(text + '\n');
  }

  protected openSession(flags: {
    config?: string | undefined;
    'ssh-config'?: string | undefined;
    'accept-new-host-keys': boolean;
    'legacy-algorithms': boolean;
    state?: string | undefined;
  }): HostSession {
    const stateDir = flags.state ?? defaultStateDir();
    this.stateDir = stateDir;
    this.runLog = openRunLog(join(stateDir, 'logs'), this.id ?? 'vmigrate');
    this.runLog.logger.info({ argv: this.argv, version: this.config.version }, 'start');
    if (!nativeCryptoLoaded()) {
      process.stderr.write(
        'warning: ssh2 runs without its native crypto binding (installed with --ignore-scripts?): transfers will be slower\n',
      );
    }
    this.session = new HostSession({
      configFile: flags.config,
      sshConfigFile: flags['ssh-config'],
      acceptNewHostKeys: flags['accept-new-host-keys'],
      legacyAlgorithms: flags['legacy-algorithms'],
      passphrase: defaultPassphraseSource(promptHidden),
      log: this.runLog.logger,
    });
    return this.session;
  }

  override async init(): Promise<void> {
    await super.init();
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigint);
  }

  /** Called on a second Ctrl-C, just before the process exits: leave the records consistent. */
  protected onHardStop: (() => void) | undefined;

  /**
   * First Ctrl-C (or SIGTERM): nothing new starts, streams in flight get a few seconds to finish,
   * then they are cut. A second Ctrl-C exits at once.
   */
  private interrupt() {
    this.interrupts++;
    if (this.interrupts === 1) {
      process.stderr.write(
        `\ninterrupted: finishing what is in flight (at most ${STOP_GRACE_MS / 1000} s); press Ctrl-C again to stop at once\n`,
      );
      this.runLog?.logger.warn('interrupt requested');
      this.abort.abort(new InterruptedError('interrupted by the operator'));
      setTimeout(() => void this.session?.close(), STOP_GRACE_MS).unref();
    } else {
      this.runLog?.logger.warn('second interrupt: stopping at once');
      this.onHardStop?.();
      this.runLog?.close();
      process.exit(ExitCode.interrupted);
    }
  }

  override catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err;
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    if (err instanceof Errors.CLIError && !(err instanceof VmigrateError)) {
      if (err.oclif?.exit === 0) throw err;
      this.printError({
        code: 'USAGE',
        message: err.message,
        hint: `see: vmigrate ${(this.id ?? '').replaceAll(':', ' ')} --help`,
        host: undefined,
      });
      this.exitWith(ExitCode.usage);
    }
    const d = describeError(err);
    this.runLog?.logger.error({ err, code: d.code }, 'failed');
    this.printError({
      code: d.code,
      message: d.message,
      hint: err instanceof VmigrateError ? err.hint : undefined,
      host: err instanceof VmigrateError ? err.host : undefined,
    });
    this.exitWith(exitCodeOf(err));
  }

  private printError(e: {
    code: string;
    message: string;
    hint: string | undefined;
    host: string | undefined;
  }) {
    const message = scrubText(e.message);
    if (this.jsonMode()) {
      process.stdout.write(JSON.stringify({ status: 'error', error: { ...e, message } }) + '\n');
    } else {
      process.stderr.write(`error: ${message}\n`);
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    }
  }

  protected exitWith(code: number): never {
    this.finish();
    this.exit(code);
  }

  private finished = false;
  private finish() {
    if (this.finished) return;
    this.finished = true;
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigint);
    if (this.runLog) {
      // Peak memory and CPU of the controller, for benchmarks and memory-bound tests.
      const usage = process.resourceUsage();
      this.runLog.logger.info(
        { maxRssKiB: usage.maxRSS, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 },
        'end',
      );
      this.runLog.close();
      process.stderr.write(`log: ${this.runLog.file}\n`);
    }
  }

  override async finally(err: Error | undefined): Promise<void> {
    await this.session?.close();
    this.finish();
    await super.finally(err);
  }
}
