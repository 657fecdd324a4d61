import { VmigrateCommand } from '../src/cli/base-command.js';
import { domainArg } from '../src/cli/pair-flags.js';
import { openHost } from '../src/migration/open-hosts.js';
import { renderInventory } from '../src/ui/inventory-view.js';
import { readInventory } from '../src/vpopmail/inventory.js';
import { validateDomain } from '../src/vpopmail/names.js';
import { Flags } from '@oclif/core';

export default class Inventory extends VmigrateCommand {
  static override summary = 'Read a domain completely from a server, changing nothing.';
  static override description =
    'Users (with their password scheme, quota, flags and whether a clear-text password exists, which is never ' +
    'shown), alias domains, the catch-all, every .qmail file and what it does (aliases, forwards, ' +
    'autoresponders, mailing lists), limits, other files of the domain, and per user each Maildir folder with ' +
    'its message count and size. One SSH round trip whatever the number of users. --json gives the whole ' +
    'inventory as one document (schema in docs/inventory.md).';
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

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Inventory);
    const domain = validateDomain(args.domain);
    const session = this.openSession(flags);
    const { remote, caps } = await openHost(session, flags.from);
    const inv = await readInventory(remote, caps, domain);
    this.log(flags.json ? JSON.stringify(inv, null, 2) : renderInventory(inv));
  }
}
