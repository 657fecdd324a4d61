import type { Inventory, InventoryUser } from './inventory-types.js';

/** The inventory with these users only, its totals counted again from them. */
export function withUsers(inv: Inventory, users: InventoryUser[]): Inventory {
  return {
    ...inv,
    users,
    totals: {
      users: users.length,
      messages: users.reduce((n, u) => n + u.messages, 0),
      bytes: users.reduce((n, u) => n + u.bytes, 0),
    },
  };
}

/** A domain with nothing in it yet: what a source not (or not yet) read is built from. */
export function emptyInventory(host: string, domain: string): Inventory {
  return withUsers(
    {
      schema: 1,
      host,
      domain,
      realDomain: domain,
      vpopmailDir: '',
      dir: '',
      uid: 0,
      gid: 0,
      userCounter: 0,
      aliasDomains: [],
      catchAll: { kind: 'bounce' },
      dotQmail: [],
      valias: undefined,
      limits: { source: 'default', show: undefined },
      users: [],
      extra: [],
      provisionedBy: undefined,
      totals: { users: 0, messages: 0, bytes: 0 },
    },
    [],
  );
}
