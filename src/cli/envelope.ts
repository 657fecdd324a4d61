/**
 * The one JSON document every command prints with `--json` (and, with `--json-events`, the
 * last line): docs/json-output.md describes it, and a test checks that description against
 * what the commands really print.
 */
import { exitCodeFor, type ErrorReport, type Outcome } from '../errors.js';

/** Bumped when a field changes meaning or goes away (adding one does not). */
export const ENVELOPE_VERSION = 1;

export interface Envelope {
  vmigrate: typeof ENVELOPE_VERSION;
  command: string;
  outcome: Outcome;
  exitCode: number;
  /** What the command found or did; present whenever it ran to its end. */
  result?: unknown;
  /** Why it stopped, when it did not run to its end. */
  error?: ErrorReport;
  /** The run log, when the command wrote one. */
  log?: string;
}

/** A line of `--json-events` before the result. */
export interface OutputEvent {
  event: string;
  [field: string]: unknown;
}

export function envelope(command: string, outcome: Outcome, result: unknown, log?: string): Envelope {
  return { vmigrate: ENVELOPE_VERSION, command, outcome, exitCode: exitCodeFor(outcome), result, log };
}

export function errorEnvelope(command: string, outcome: Outcome, error: ErrorReport, log?: string): Envelope {
  return { vmigrate: ENVELOPE_VERSION, command, outcome, exitCode: exitCodeFor(outcome), error, log };
}
