/**
 * Many commands in one round trip: a POSIX sh script, sent on stdin, runs the steps in order,
 * reports each step's exit status and output, and stops at the first failure. A 5,000-user
 * domain is then a handful of round trips instead of tens of thousands. Every command line in
 * the script comes from quote.ts; the script is never logged (it may carry password hashes).
 */
import { Buffer } from 'node:buffer';
import { LockedError, RemoteCommandError } from '../errors.js';
import { commandLine, displayCommand, quote, type Arg } from './quote.js';
import type { Remote } from './remote.js';
import { streamRecords } from './stream-lines.js';
import { wholeScript } from './whole-script.js';

export interface BatchStep {
  argv: readonly Arg[];
  /** Shown in progress, logs and errors. */
  title: string;
  /** What a plan shows instead of the command line (for long generated shell lines). */
  display?: string;
}

export interface BatchStepResult {
  step: BatchStep;
  status: number;
  output: string;
}

/**
 * A batch may be fenced by a domain lock (see domain-lock.ts): before each step it checks that
 * the lock still names its holder, and marks itself busy while the step runs. A batch left
 * running by a controller that died then stops at its next step once a new holder took the
 * lock over, and the new holder waits for the step in progress.
 */
export interface Fence {
  /** The lock directory on the host. */
  dir: string;
  /** The owner line the lock must still hold. */
  owner: string;
}

const PRELUDE = `vm_step() {
  vm_id=$1; shift
  if [ -n "$vm_fence" ]; then
    [ "$(cat "$vm_fence/owner" 2>/dev/null)" = "$vm_owner" ] || { echo '@@fenced'; exit 0; }
    : > "$vm_fence/busy.$$"
  fi
  vm_out=$("$@" </dev/null 2>&1)
  vm_st=$?
  [ -z "$vm_fence" ] || rm -f "$vm_fence/busy.$$"
  printf '@@step %s %s %s\\n' "$vm_id" "$vm_st" "$(printf '%s' "$vm_out" | od -An -v -tx1 | tr -d ' \\n')"
  return $vm_st
}
`;

/** Exit status of a single command stopped by its fence (see fenceCheck). */
const FENCED_STATUS = 75;

/** A line of sh that exits unless the lock still names its holder: for a command that is not a batch. */
export function fenceCheck(fence: Fence): string {
  return `[ "$(cat ${quote(`${fence.dir}/owner`)} 2>/dev/null)" = ${quote(fence.owner)} ] || { echo 'vmigrate: the lock was taken over' >&2; exit ${FENCED_STATUS}; }`;
}

/** The LockedError for a command that fenceCheck stopped, or undefined for any other failure. */
export function fencedError(err: unknown, host: string, fence: Fence | undefined): LockedError | undefined {
  if (!fence || !(err instanceof RemoteCommandError) || err.exitStatus !== FENCED_STATUS) return undefined;
  return new LockedError(`the lock on ${host} (${fence.dir}) was taken over by another vmigrate`, { host });
}

export function batchScript(steps: readonly BatchStep[], fence?: Fence): Buffer {
  const lines = steps.map((s, i) => `vm_step ${i} ${commandLine(s.argv)} || exit 0`);
  const fencing = `vm_fence=${quote(fence?.dir ?? '')}\nvm_owner=${quote(fence?.owner ?? '')}\n`;
  return wholeScript(`${fencing}${PRELUDE}${lines.join('\n')}\necho '@@done'`);
}

export function parseBatchOutput(stdout: string, steps: readonly BatchStep[]): BatchStepResult[] {
  const results: BatchStepResult[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^@@step (\d+) (\d+) ?([0-9a-f]*)$/.exec(line);
    const step = m ? steps[Number(m[1])] : undefined;
    if (!m || !step) continue;
    results.push({ step, status: Number(m[2]), output: Buffer.from(m[3] ?? '', 'hex').toString('utf8') });
  }
  return results;
}

/**
 * Runs the steps; resolves with every result when all succeeded, throws RemoteCommandError
 * naming the failed step (with its output) otherwise. `onResult` sees each step as it ends.
 */
export interface BatchOptions {
  onResult?: (r: BatchStepResult) => void;
  /** Steps per round trip (default: all of them in one). */
  chunk?: number;
  fence?: Fence | undefined;
}

export async function runBatch(
  remote: Remote,
  steps: readonly BatchStep[],
  options: BatchOptions = {},
): Promise<BatchStepResult[]> {
  const { onResult = () => {}, chunk = Infinity, fence } = options;
  const all: BatchStepResult[] = [];
  for (let at = 0; at < steps.length; at += chunk) {
    const part = steps.slice(at, at + chunk);
    const results: BatchStepResult[] = [];
    let fenced = false;
    let finished = false;
    // Read line by line as the steps end: a long batch shows its progress.
    await streamRecords(
      remote,
      ['sh', '-s'],
      `a batch of ${part.length} command(s)`,
      (line) => {
        const text = line.toString();
        if (text === '@@fenced') fenced = true;
        else if (text === '@@done') finished = true;
        else
          for (const r of parseBatchOutput(text, part)) {
            results.push(r);
            onResult(r);
          }
      },
      { stdin: batchScript(part, fence), separator: 10 },
    );
    if (fenced)
      throw new LockedError(
        `the lock on ${remote.label} (${fence?.dir ?? ''}) was taken over by another vmigrate; stopped before ${part[results.length]?.title ?? 'the next step'}`,
        { host: remote.label },
      );
    all.push(...results);
    const failed = results.find((x) => x.status !== 0);
    if (failed)
      throw new RemoteCommandError(
        `${failed.step.title} failed on ${remote.label}: ${failed.output.trim() || `exit status ${failed.status}`}`,
        {
          command: displayCommand(failed.step.argv),
          code: failed.status,
          signal: null,
          stderr: failed.output,
        },
        { host: remote.label },
      );
    if (results.length !== part.length || !finished)
      throw new RemoteCommandError(
        `a batch of commands on ${remote.label} stopped without reporting`,
        { command: 'sh -s', code: null, signal: null, stderr: '' },
        { host: remote.label },
      );
  }
  return all;
}
