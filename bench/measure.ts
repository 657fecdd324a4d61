/**
 * Timing of one command line (through bash, under GNU time: wall seconds, peak RSS and CPU
 * of the local processes), asynchronously so that the benchmark's delaying proxies keep
 * running in this process meanwhile; and the statistics of repeated runs.
 */
import { spawn } from 'node:child_process';

export interface Sample {
  seconds: number;
  /** Largest resident set of any local process of the run (the controller, or ssh). */
  maxRssKiB: number;
  /** User + system CPU of every local process of the run. */
  cpuSeconds: number;
  /** CPU seconds of the lab's source and destination servers during the run, where measured. */
  serverCpu?: { source: number; destination: number };
  stdout: string;
  stderr: string;
}

export async function timed(command: string, env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  const child = spawn(
    '/usr/bin/time',
    ['-f', '@@time %e %M %U %S', 'bash', '-o', 'pipefail', '-c', command],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const m = /@@time ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (code !== 0 || !m)
    throw new Error(`benchmark command failed (${code}): ${command}\n${stderr.slice(-2000)}`);
  return {
    seconds: Number(m[1]),
    maxRssKiB: Number(m[2]),
    cpuSeconds: Number(m[3]) + Number(m[4]),
    stdout,
    stderr: stderr.slice(0, m.index),
  };
}

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { median, min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
}
