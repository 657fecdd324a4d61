/**
 * Many commands in one round trip: a POSIX sh script, sent on stdin, runs the steps in order,
 * reports each step's exit status and output, and stops at the first failure. A 5,000-user
 * domain is then a handful of round trips instead of tens of thousands. Every command line in
 * the script comes from quote.ts; the script is never logged (it may carry password hashes).
 */
import { Buffer } from 'node:buffer';
import { RemoteCommandError } from '../errors.js';
import { commandLine, displayCommand, type Arg } from './quote.js';
import type { Remote } from './remote.js';

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

const PRELUDE = `vm_step() {
  vm_id=$1; shift
  vm_out=$("$@" </dev/null 2>&1)
  vm_st=$?
  printf '@@step %s %s %s\\n' "$vm_id" "$vm_st" "$(printf '%s' "$vm_out" | od -An -v -tx1 | tr -d ' \\n')"
  return $vm_st
}
`;

export function batchScript(steps: readonly BatchStep[]): string {
  const lines = steps.map((s, i) => `vm_step ${i} ${commandLine(s.argv)} || exit 0`);
  return `${PRELUDE}${lines.join('\n')}\necho '@@done'\n`;
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
 * naming the failed step (with its output) otherwise. `onResult` sees each finished step.
 */
export async function runBatch(
  remote: Remote,
  steps: readonly BatchStep[],
  onResult: (r: BatchStepResult) => void = () => {},
  chunk = 200,
): Promise<BatchStepResult[]> {
  const all: BatchStepResult[] = [];
  for (let at = 0; at < steps.length; at += chunk) {
    const part = steps.slice(at, at + chunk);
    const r = await remote.run(['sh', '-s'], { stdin: batchScript(part), timeoutMs: 60 * 60_000 });
    const results = parseBatchOutput(r.stdout.toString(), part);
    results.forEach(onResult);
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
    if (results.length !== part.length || !r.stdout.toString().includes('@@done'))
      throw new RemoteCommandError(
        `a batch of commands on ${remote.label} stopped without reporting`,
        { command: 'sh -s', code: r.code, signal: r.signal, stderr: r.stderr },
        { host: remote.label },
      );
  }
  return all;
}
