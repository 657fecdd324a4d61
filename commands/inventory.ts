import { Flags } from '@oclif/core';
import type { CommandResult } from '../src/cli/base-command.js';
import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg } from '../src/cli/flags.js';
import { inventoryOf } from '../src/migration/inventory-of.js';
import { renderInventory } from '../src/ui/inventory-view.js';
import type { Inventory as DomainInventory } from '../src/vpopmail/inventory-types.js';

export default class Inventory extends VmigrateCommand<DomainInventory> {
  static override summary = 'Read a domain completely from a server, changing nothing.';
  static override description =
    'Users (with their password scheme, quota, flags and whether a clear-text password exists, which is never ' +
    'shown), alias domains, the catch-all, every .qmail file and what it does (aliases, forwards, ' +
    'autoresponders, mailing lists), limits, other files of the domain, and per user each Maildir folder with ' +
    'its message count and size. One SSH round trip whatever the number of users. --json gives the whole ' +
    'inventory as the result (schema in docs/inventory.md).';
  static override examples = [
    '<%= config.bin %> inventory example.com --from old',
    '<%= config.bin %> inventory example.com --from root@mail.example.net --json',
  ];
  static override args = domainArg;
  static override flags = {
    from: Flags.string({
      description: 'the server to read from (profile, ssh alias or user@host[:port])',
      required: true,
    }),
  };

  protected async execute(): Promise<CommandResult<DomainInventory>> {
    const { args, flags } = await this.parse(Inventory);
    const session = this.openSession(flags);
    return { outcome: 'ok', data: await inventoryOf(session, flags.from, args.domain) };
  }

  protected render(r: CommandResult<DomainInventory>): string {
    return renderInventory(r.data);
  }
}
