/** Running the built CLI as an operator would, and capturing what it prints. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/**
 * The CLI as it ships: vitest sets NODE_ENV=test, under which oclif runs the TypeScript
 * sources through a transpiler instead of the built code (and uses 40 MB more memory).
 */
export const shipped = { NODE_ENV: 'production' } as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(BIN, args, {
    encoding: 'utf8',
    env: { ...process.env, ...shipped, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
