/**
 * The error hierarchy. Every failure an operator can meet is one of these: a stable `code`
 * for scripts, an `exitCode` decided here and nowhere else, the host it happened on, and a
 * `hint` saying what to do next.
 */

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  verification: 3,
  connection: 4,
  precondition: 5,
  locked: 6,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  host?: string;
  hint?: string;
  cause?: unknown;
}

export class VmigrateError extends Error {
  readonly code: string = 'VMIGRATE_ERROR';
  readonly exitCode: ExitCode = ExitCode.failure;
  readonly host: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.host = details.host;
    this.hint = details.hint;
  }
}

/** Bad flags, arguments, config files or names: nothing was touched. */
export class UsageError extends VmigrateError {
  override readonly code = 'USAGE';
  override readonly exitCode = ExitCode.usage;
}

/** The source and destination disagree after a transfer. */
export class VerificationError extends VmigrateError {
  override readonly code = 'VERIFICATION_MISMATCH';
  override readonly exitCode = ExitCode.verification;
}

/** TCP, SSH handshake or channel failures. `transient` marks what a retry may cure. */
export class ConnectionError extends VmigrateError {
  override readonly code: string = 'CONNECTION';
  override readonly exitCode = ExitCode.connection;
  readonly transient: boolean;
  constructor(message: string, details: ErrorDetails & { transient?: boolean } = {}) {
    super(message, details);
    this.transient = details.transient ?? true;
  }
}

export class AuthenticationError extends ConnectionError {
  override readonly code = 'AUTHENTICATION';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, transient: false });
  }
}

export class HostKeyError extends ConnectionError {
  override readonly code = 'HOST_KEY';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, transient: false });
  }
}

/** A remote command ran and failed; carries what the operator needs to see. */
export class RemoteCommandError extends VmigrateError {
  override readonly code = 'REMOTE_COMMAND';
  readonly command: string;
  readonly exitStatus: number | null;
  readonly signal: string | null;
  readonly stderr: string;
  constructor(
    message: string,
    result: { command: string; code: number | null; signal: string | null; stderr: string },
    details: ErrorDetails = {},
  ) {
    super(message, details);
    this.command = result.command;
    this.exitStatus = result.code;
    this.signal = result.signal;
    this.stderr = result.stderr;
  }
}

/** A server lacks something vmigrate needs (vpopmail, GNU tar, disk space, a clean shell). */
export class PreconditionError extends VmigrateError {
  override readonly code = 'PRECONDITION';
  override readonly exitCode = ExitCode.precondition;
}

export class LockedError extends VmigrateError {
  override readonly code = 'LOCKED';
  override readonly exitCode = ExitCode.locked;
}

export class InterruptedError extends VmigrateError {
  override readonly code = 'INTERRUPTED';
  override readonly exitCode = ExitCode.interrupted;
}

/** The single place that turns any thrown value into an exit code. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof VmigrateError) return err.exitCode;
  return ExitCode.failure;
}

export function describeError(err: unknown): { name: string; code: string; message: string } {
  if (err instanceof VmigrateError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, code: 'INTERNAL', message: err.message };
  return { name: 'Error', code: 'INTERNAL', message: String(err) };
}
