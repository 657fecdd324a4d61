/** The CLI pointed at the lab, with a fresh (or given) state directory, and the run log it wrote. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Envelope } from '../../src/cli/envelope.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, shipped, type CliResult } from './cli.js';
import { lab } from './lab-session.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export function freshStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'state-'));
}

function labFlags(state: string, config?: string, sshConfig?: string): string[] {
  const c = lab().client;
  return ['--config', config ?? c.vmigrateConfig, '--ssh-config', sshConfig ?? c.sshConfig, '--state', state];
}

function withLog(r: CliResult): CliResult & { log: string } {
  const file = /log: (.+)$/m.exec(r.stderr)?.[1];
  return { ...r, log: file ? readFileSync(file, 'utf8') : '' };
}

export function runLabCli(
  args: string[],
  options: { state?: string; config?: string } = {},
): CliResult & { log: string } {
  return withLog(runCli([...args, ...labFlags(options.state ?? freshStateDir(), options.config)]));
}

/** The CLI as a child process the test can watch and kill (and that lets the test's event loop run). */
export function spawnLabCli(
  args: string[],
  options: { state: string; config?: string; sshConfig?: string; env?: Record<string, string> },
): ChildProcessWithoutNullStreams & { result: Promise<CliResult & { log: string }> } {
  const flags = labFlags(options.state, options.config, options.sshConfig);
  const child = spawn(BIN, [...args, ...flags], {
    stdio: 'pipe',
    env: { ...process.env, ...shipped, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<CliResult & { log: string }>((resolve) =>
    child.on('close', (code) => resolve(withLog({ code, stdout, stderr }))),
  );
  return Object.assign(child, { result });
}

/**
 * The JSON envelope a command printed: all of stdout with --json, the last line (the `result`
 * event) with --json-events.
 */
export function envelopeOf(stdout: string): Envelope {
  const text = stdout.trim();
  try {
    return JSON.parse(text) as Envelope;
  } catch {
    const last = text.split('\n').pop() ?? '';
    const e = JSON.parse(last) as Envelope & { event?: string };
    if (e.event !== 'result') throw new Error(`no result in ${stdout}`);
    return e;
  }
}

/** The `result` of a command's JSON envelope. */
export function resultOf<T>(stdout: string): T {
  const e = envelopeOf(stdout);
  if (e.result === undefined) throw new Error(`no result in ${stdout}`);
  return e.result as T;
}

/** The `--json-events` lines of a run, the result line aside. */
export function eventsOf(stdout: string): Array<{ event: string; [k: string]: unknown }> {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string })
    .filter((e) => e.event !== 'result');
}

/**
 * `verify --checksum` as a child process (a fault proxy living in the test's process must keep
 * running meanwhile): its exit status, the differences it counted, and its output.
 */
export async function verifyChecksums(
  domain: string,
  hosts: { from: string; to: string },
  options: { state: string; config?: string | undefined },
): Promise<{ code: number | null; problems: number; out: string }> {
  const v = await spawnLabCli(
    ['verify', domain, '--from', hosts.from, '--to', hosts.to, '--checksum', '--json'],
    { state: options.state, ...(options.config ? { config: options.config } : {}) },
  ).result;
  return { code: v.code, problems: resultOf<{ problems: number }>(v.stdout).problems, out: v.stdout };
}

/**
 * The size of a long trial: `short` in the suite, `long` with VMIGRATE_SOAK=1 (npm run soak),
 * or the environment variable `name` when it is set.
 */
export function trialSize(name: string, short: number, long: number): number {
  return Number(process.env[name] ?? (process.env.VMIGRATE_SOAK === '1' ? long : short));
}
