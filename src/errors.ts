/**
 * Outcomes and errors. Every command ends with one outcome, named for scripts and the JSON
 * envelope; `exitCodeFor` is the only place an outcome becomes an exit status. Every failure
 * an operator can meet is one of the errors below: a stable `code`, its outcome, the host it
 * happened on, and a `hint` saying what to do next.
 */

/** Each outcome and its exit status (the README's table). */
const EXIT_STATUS = {
  ok: 0,
  /** A remote command or a mailbox failed: see the message. */
  failed: 1,
  /** Bad flags, arguments, configuration or names: nothing was changed. */
  usage: 2,
  /** Verification found a difference between the servers. */
  different: 3,
  /** A host could not be reached or the connection broke: trying again may work. */
  unreachable: 4,
  /** A server lacks something vmigrate needs, or a plan has problems. */
  unfit: 5,
  /** Another vmigrate holds the domain's lock. */
  locked: 6,
  /** A host refused us: its key is unknown or changed, or the login was refused. Not retried. */
  refused: 7,
  /** A defect in vmigrate itself (sysexits' EX_SOFTWARE). */
  bug: 70,
  /** Stopped by the operator (Ctrl-C, SIGTERM). */
  interrupted: 130,
} as const;

export type Outcome = keyof typeof EXIT_STATUS;
export const OUTCOMES = Object.keys(EXIT_STATUS) as Outcome[];

/** The exit status of an outcome: decided here and nowhere else. */
export function exitCodeFor(outcome: Outcome): number {
  return EXIT_STATUS[outcome];
}

/** The outcome that many results share, or `failed` when they differ (ok and not-started aside). */
export function combinedOutcome(outcomes: readonly Outcome[]): Outcome {
  const bad = new Set(outcomes.filter((o) => o !== 'ok'));
  if (bad.size === 0) return 'ok';
  if (bad.has('interrupted')) return 'interrupted';
  if (bad.has('bug')) return 'bug';
  return bad.size === 1 ? [...bad][0]! : 'failed';
}

export interface ErrorDetails {
  host?: string;
  hint?: string;
  cause?: unknown;
}

export class VmigrateError extends Error {
  readonly code: string = 'VMIGRATE_ERROR';
  readonly outcome: Outcome = 'failed';
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
  override readonly outcome = 'usage';
}

/** The source and destination disagree after a transfer. */
export class VerificationError extends VmigrateError {
  override readonly code = 'VERIFICATION_MISMATCH';
  override readonly outcome = 'different';
}

/** TCP, SSH handshake or channel failures. `transient` marks what a retry may cure. */
export class ConnectionError extends VmigrateError {
  override readonly code: string = 'CONNECTION';
  override readonly outcome: Outcome = 'unreachable';
  readonly transient: boolean;
  constructor(message: string, details: ErrorDetails & { transient?: boolean } = {}) {
    super(message, details);
    this.transient = details.transient ?? true;
  }
}

export class AuthenticationError extends ConnectionError {
  override readonly code = 'AUTHENTICATION';
  override readonly outcome = 'refused';
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { ...details, transient: false });
  }
}

export class HostKeyError extends ConnectionError {
  override readonly code = 'HOST_KEY';
  override readonly outcome = 'refused';
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
  override readonly code: string = 'PRECONDITION';
  override readonly outcome: Outcome = 'unfit';
}

/** A destination's disk (or the vpopmail user's disk quota) ran out under a write. */
export class DiskFullError extends PreconditionError {
  override readonly code = 'DISK_FULL';
}

export class LockedError extends VmigrateError {
  override readonly code = 'LOCKED';
  override readonly outcome = 'locked';
}

export class InterruptedError extends VmigrateError {
  override readonly code = 'INTERRUPTED';
  override readonly outcome = 'interrupted';
}

/**
 * A failure of the operator's own machine (a full disk, a state directory it may not write):
 * reported as a failure, not as a defect of vmigrate.
 */
function isSystemError(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || err.name === 'SqliteError';
}

/** What a thrown value means for the run: anything not foreseen is a bug. */
export function outcomeOf(err: unknown): Outcome {
  if (err instanceof VmigrateError) return err.outcome;
  if (err instanceof Error && isSystemError(err)) return 'failed';
  return 'bug';
}

export interface ErrorReport {
  code: string;
  message: string;
  hint: string | undefined;
  host: string | undefined;
}

/** A thrown value as the operator and the JSON envelope see it. */
export function describeError(err: unknown): ErrorReport {
  if (err instanceof VmigrateError)
    return { code: err.code, message: err.message, hint: err.hint, host: err.host };
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && isSystemError(err))
    return { code: 'SYSTEM', message, hint: undefined, host: undefined };
  return {
    code: 'INTERNAL',
    message: `internal error: ${message}`,
    hint: 'this is a defect in vmigrate: the log holds its stack trace; please report it with the log',
    host: undefined,
  };
}
