/** Reading a domain from a server: one script, one round trip, whatever the number of users. */
import { readFileSync } from 'node:fs';
import { PreconditionError, RemoteCommandError, VmigrateError } from '../errors.js';
import type { Capabilities } from '../hosts/probe.js';
import type { Remote } from '../remote/remote.js';
import { DomainMissingError, parseInventory } from './inventory-parse.js';
import type { Inventory } from './inventory-types.js';

const SCRIPT = readFileSync(new URL('./inventory-script.sh', import.meta.url), 'utf8');

/**
 * vpopmail's own tables the inventory reads with mysql: valias on a MySQL build with
 * --enable-valias, limits with --enable-mysql-limits; on a MySQL build whose options are
 * unknown (no vpopmail_config.h), the valias table too (its rows, if any, are then named).
 */
export function tablesToRead(caps: Capabilities): string {
  const vp = caps.vpopmail;
  if (vp?.backend !== 'mysql') return 'none';
  const tables = [...(vp.valias !== false ? ['valias'] : []), ...(vp.mysqlLimits === true ? ['limits'] : [])];
  return tables.join(',') || 'none';
}

export async function readInventory(remote: Remote, caps: Capabilities, domain: string): Promise<Inventory> {
  const vp = caps.vpopmail;
  if (!vp?.bin)
    throw new PreconditionError(`no vpopmail programs on ${remote.label}`, {
      host: remote.label,
      hint: 'run `vmigrate hosts check` for what the host offers',
    });
  const r = await remote
    .run(['sh', '-s', vp.dir, domain, caps.qmail.dir, tablesToRead(caps)], {
      stdin: SCRIPT,
      timeoutMs: 30 * 60_000,
    })
    .catch((error: unknown) => {
      if (!(error instanceof RemoteCommandError)) throw error;
      throw new VmigrateError(`reading ${domain} on ${remote.label} failed: ${error.message}`, {
        host: remote.label,
        cause: error,
        hint: 'reading a domain changes nothing: once the cause is gone, run the command again',
      });
    });
  return parseInventory(r.stdout.toString(), { host: remote.label, domain, vpopmailDir: vp.dir });
}

/** The inventory, or undefined when the domain does not exist on that host. */
export async function readInventoryIfExists(
  remote: Remote,
  caps: Capabilities,
  domain: string,
): Promise<Inventory | undefined> {
  try {
    return await readInventory(remote, caps, domain);
  } catch (error) {
    if (error instanceof DomainMissingError) return undefined;
    throw error;
  }
}
