/** `vmigrate hosts check`: connect to each host, verify its key, probe it; one row per host. */
import { describeError, ExitCode, exitCodeOf, VmigrateError } from '../errors.js';
import { missingRequirements, probe, type Capabilities } from '../remote/probe.js';
import type { HostSession } from './session.js';

export interface HostCheckRow {
  host: string;
  address: string | undefined;
  user: string | undefined;
  via: string[];
  ok: boolean;
  hostKey: { type: string; fingerprint: string; recordedIn?: string | undefined } | undefined;
  capabilities: Capabilities | undefined;
  /** Requirements the host does not meet (vmigrate cannot work with it). */
  problems: string[];
  error: { code: string; message: string; hint: string | undefined; exitCode: number } | undefined;
}

async function checkOne(session: HostSession, arg: string): Promise<HostCheckRow> {
  const row: HostCheckRow = {
    host: arg,
    address: undefined,
    user: undefined,
    via: [],
    ok: false,
    hostKey: undefined,
    capabilities: undefined,
    problems: [],
    error: undefined,
  };
  try {
    const spec = await session.resolve(arg);
    row.address = `${spec.hostname}:${spec.port}`;
    row.user = spec.user + (spec.sudo ? ' (sudo)' : '');
    row.via = spec.jump.map((j) => `${j.user}@${j.hostname}:${j.port}`);
    const { pool, remote } = await session.open(arg);
    const key = pool.hostKey;
    if (key) row.hostKey = { type: key.keyType, fingerprint: key.fingerprint, recordedIn: key.recordedIn };
    row.capabilities = await probe(remote, { vpopmailDir: spec.vpopmailDir, qmailDir: spec.qmailDir });
    row.problems = missingRequirements(row.capabilities);
    row.ok = row.problems.length === 0;
  } catch (err) {
    const d = describeError(err);
    row.error = {
      code: d.code,
      message: d.message,
      hint: err instanceof VmigrateError ? err.hint : undefined,
      exitCode: exitCodeOf(err),
    };
  }
  return row;
}

export async function checkHosts(session: HostSession, hosts: readonly string[]): Promise<HostCheckRow[]> {
  return Promise.all(hosts.map((h) => checkOne(session, h)));
}

/** Exit status for a check: the first failure's code, precondition when a host is unfit. */
export function checkExitCode(rows: readonly HostCheckRow[]): number {
  const failed = rows.find((r) => r.error);
  if (failed?.error) return failed.error.exitCode;
  if (rows.some((r) => !r.ok)) return ExitCode.precondition;
  return ExitCode.ok;
}
