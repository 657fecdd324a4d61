/** `vmigrate hosts check`: connect to each host, verify its key, probe it; one row per host. */
import { combinedOutcome, describeError, outcomeOf, type ErrorReport, type Outcome } from '../errors.js';
import { missingRequirements, probe, type Capabilities } from './probe.js';
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
  /** Without vpopmail, still fit as the source of `move --from-system` (qmail, GNU tools, root). */
  systemSource: boolean;
  error: (ErrorReport & { outcome: Outcome }) | undefined;
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
    systemSource: false,
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
    row.systemSource = missingRequirements(row.capabilities, 'system').length === 0;
    row.ok = row.problems.length === 0;
  } catch (err) {
    row.error = { ...describeError(err), outcome: outcomeOf(err) };
  }
  return row;
}

export async function checkHosts(session: HostSession, hosts: readonly string[]): Promise<HostCheckRow[]> {
  return Promise.all(hosts.map((h) => checkOne(session, h)));
}

/** A check's outcome: the failures' own (refused, unreachable, …), unfit when a host lacks something. */
export function checkOutcome(rows: readonly HostCheckRow[]): Outcome {
  return combinedOutcome(rows.map((r) => r.error?.outcome ?? (r.ok ? 'ok' : 'unfit')));
}
