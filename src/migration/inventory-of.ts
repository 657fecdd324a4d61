/** `vmigrate inventory`: a domain as one host has it, read without changing anything. */
import { openHost } from '../hosts/open-hosts.js';
import type { HostSession } from '../hosts/session.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import { readInventory } from '../vpopmail/inventory.js';
import { validateDomain } from '../vpopmail/names.js';

export async function inventoryOf(session: HostSession, from: string, domain: string): Promise<Inventory> {
  const checked = validateDomain(domain);
  const { remote, caps } = await openHost(session, from);
  return readInventory(remote, caps, checked);
}
