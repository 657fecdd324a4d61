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
