/**
 * The contract every vmigrate command keeps: `execute()` parses, calls one function of
 * `src/` and returns a `CommandResult` (an outcome and its data); this class renders it as text,
 * or prints it in the one JSON envelope (oclif's `--json`, or `--json-events` lines), turns the
 * outcome into the exit status through `exitCodeFor`, and handles the run log, the host
 * session, Ctrl-C, a closed stdout and every error.
 */
import { createInterface } from 'node:readline/promises';
import { join } from 'node:path';
import { Command, Flags, Errors, type Interfaces } from '@oclif/core';
import {
  describeError,
  exitCodeFor,
  InterruptedError,
  outcomeOf,
  type ErrorReport,
  type Outcome,
} from '../errors.js';
import { openRunLog, type RunLog } from '../log/logger.js';
import { scrubText } from '../log/redact.js';
import { EphemeralAgent } from '../ssh/ephemeral-agent.js';
import { HostSession } from '../hosts/session.js';
import { defaultStateDir } from '../paths.js';
import { STORE_FILE } from '../state/store.js';
import { storeFailure } from '../state/store-failure.js';
import { defaultPassphraseSource } from '../ssh/auth.js';
import { nativeCryptoLoaded } from '../ssh/native.js';
import { ignoreClosedOutput } from './closed-output.js';
import { envelope, errorEnvelope, type Envelope, type OutputEvent } from './envelope.js';

/** How long streams in flight may run on after the first Ctrl-C. */
const STOP_GRACE_MS = 5000;

/** What a command ends with: its outcome (hence its exit status) and what it found or did. */
export interface CommandResult<D> {
  outcome: Outcome;
  data: D;
}

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

export const globalFlags = {
  'json-events': Flags.boolean({
    description:
      'Print JSON lines on stdout as the command goes (progress, each domain as it ends); the last line is the result.',
    exclusive: ['json'],
    helpGroup: 'GLOBAL',
  }),
  config: Flags.string({
    description:
      'vmigrate configuration file (default: ./vmigrate.yaml over ~/.config/vmigrate/config.yaml).',
    helpGroup: 'GLOBAL',
    env: 'VMIGRATE_CONFIG',
  }),
  'ssh-config': Flags.string({
    description: 'OpenSSH client configuration file (default: ~/.ssh/config).',
    helpGroup: 'GLOBAL',
    env: 'VMIGRATE_SSH_CONFIG',
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

export type GlobalFlags = Interfaces.InferredFlags<typeof globalFlags>;

export abstract class VmigrateCommand<D = unknown> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = globalFlags;

  protected runLog: RunLog | undefined;
  /** Where the state store and logs live. */
  protected stateDir: string = defaultStateDir();
  protected session: HostSession | undefined;
  protected readonly abort = new AbortController();
  private interrupts = 0;
  private readonly onSigint = () => this.interrupt();
  private result: CommandResult<D> | undefined;

  /** Parse, call one function of src/, return what it gave. */
  protected abstract execute(): Promise<CommandResult<D>>;

  /** The result for a terminal (stdout); nothing when the command printed as it went. */
  protected abstract render(result: CommandResult<D>): string | undefined;

  /** The result's data as the JSON envelope carries it (bulky or internal fields left out). */
  protected jsonOf(data: D): unknown {
    return data;
  }

  async run(): Promise<CommandResult<D>> {
    const result = await this.execute();
    this.result = result;
    if (!this.jsonEnabled()) {
      const text = this.render(result);
      if (text) this.log(text);
    }
    return result;
  }

  /** After oclif printed the result: the outcome's exit status. */
  override async _run<T>(): Promise<T> {
    const r = await super._run<T>();
    const code = this.result ? exitCodeFor(this.result.outcome) : 0;
    if (code !== 0) this.exit(code);
    return r;
  }

  /** `--json-events`: JSON lines on stdout as the command goes (progress included). */
  protected eventsMode(): boolean {
    const end = this.argv.indexOf('--');
    const at = this.argv.indexOf('--json-events');
    return at !== -1 && (end === -1 || at < end);
  }

  /** `--json` or `--json-events`: stdout carries JSON only. */
  override jsonEnabled(): boolean {
    return super.jsonEnabled() || this.eventsMode();
  }

  /** One JSON line on stdout with --json-events; nothing otherwise. */
  protected emit(event: OutputEvent): void {
    if (this.eventsMode())
      process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
  }

  override logJson(json: unknown): void {
    process.stdout.write(
      this.eventsMode()
        ? JSON.stringify({ time: new Date().toISOString(), event: 'result', ...(json as object) }) + '\n'
        : JSON.stringify(json, null, 2) + '\n',
    );
  }

  protected override toSuccessJson(result: unknown): Envelope {
    const r = result as CommandResult<D>;
    return envelope(this.commandName(), r.outcome, this.jsonOf(r.data), this.runLog?.file);
  }

  protected override toErrorJson(err: unknown): Envelope {
    return errorEnvelope(this.commandName(), outcomeOf(err), this.report(err), this.runLog?.file);
  }

  private commandName(): string {
    return (this.id ?? 'vmigrate').replaceAll(':', ' ');
  }

  /** A note for the operator: stdout for text, stderr when stdout carries JSON. */
  protected say(text: string): void {
    if (this.jsonEnabled()) process.stderr.write(text + '\n');
    else process.stdout.write(text + '\n');
  }

  /**
   * `forwardTo`: the source of a run on the direct data path, whose connections offer the
   * run's agent (a key made now, in memory, for this run alone) to the commands that ask.
   */
  protected openSession(flags: GlobalFlags, forwardTo?: string): HostSession {
    this.openLog(flags);
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
      log: this.runLog!.logger,
      ...(forwardTo === undefined ? {} : { forwardAgent: { host: forwardTo, agent: new EphemeralAgent() } }),
      relayThreads: 'environment',
    });
    return this.session;
  }

  /** The state directory, for commands that only read the state store (no log is written). */
  protected useStateDir(flags: Pick<GlobalFlags, 'state'>): void {
    this.stateDir = flags.state ?? defaultStateDir();
  }

  /** The run log, for commands that reach no host but change the state store. */
  protected openLog(flags: Pick<GlobalFlags, 'state'>): RunLog {
    this.useStateDir(flags);
    if (!this.runLog) {
      this.runLog = openRunLog(join(this.stateDir, 'logs'), this.id ?? 'vmigrate');
      this.runLog.logger.info({ argv: this.argv, version: this.config.version }, 'start');
    }
    return this.runLog;
  }

  override async init(): Promise<void> {
    await super.init();
    ignoreClosedOutput();
    process.on('SIGINT', this.onSigint);
    process.on('SIGTERM', this.onSigint);
  }

  /**
   * Called on a second Ctrl-C, just before the process exits: leave the records consistent and
   * say how to continue.
   */
  protected onHardStop: (() => string | undefined) | undefined;

  /**
   * First Ctrl-C (or SIGTERM): nothing new starts, streams in flight get a few seconds to
   * finish, then their connections are cut (the session stays usable, so that locks are still
   * released on the hosts). A second Ctrl-C exits at once.
   */
  private interrupt() {
    this.interrupts++;
    if (this.interrupts === 1) {
      process.stderr.write(
        `\ninterrupted: finishing what is in flight (at most ${STOP_GRACE_MS / 1000} s); press Ctrl-C again to stop at once\n`,
      );
      this.runLog?.logger.warn('interrupt requested');
      this.abort.abort(new InterruptedError('interrupted by the operator'));
      setTimeout(() => this.session?.cut(), STOP_GRACE_MS).unref();
    } else {
      this.runLog?.logger.warn('second interrupt: stopping at once');
      const next = this.onHardStop?.();
      process.stderr.write('stopped at once\n');
      if (next) process.stderr.write(`${next}\n`);
      this.finish();
      process.exit(exitCodeFor('interrupted'));
    }
  }

  private report(err: unknown): ErrorReport {
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    if (err instanceof Errors.CLIError && outcomeOf(err) === 'bug')
      return {
        code: 'USAGE',
        message: err.message,
        hint: `see: vmigrate ${this.commandName()} --help`,
        host: undefined,
      };
    const d = describeError(err);
    return { ...d, message: scrubText(d.message) };
  }

  override catch(thrown: Error & { oclif?: { exit?: number } }): Promise<never> {
    if (thrown instanceof Errors.ExitError) throw thrown;
    // SQLite's own words about the store, told as what they mean and naming the file.
    const err = storeFailure(thrown, join(this.stateDir, STORE_FILE)) ?? thrown;
    if (err instanceof Errors.CLIError && err.oclif?.exit === 0) throw err;
    const parseError = err instanceof Errors.CLIError && outcomeOf(err) === 'bug';
    const outcome: Outcome = parseError ? 'usage' : outcomeOf(err);
    const report = this.report(err);
    this.runLog?.logger.error({ err, code: report.code, outcome }, 'failed');
    if (this.jsonEnabled())
      this.logJson(errorEnvelope(this.commandName(), outcome, report, this.runLog?.file));
    else {
      process.stderr.write(`error: ${report.message}\n`);
      if (report.hint) process.stderr.write(`hint: ${report.hint}\n`);
    }
    this.finish();
    this.exit(exitCodeFor(outcome));
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
