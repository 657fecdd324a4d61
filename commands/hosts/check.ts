import { Args } from '@oclif/core';
import type { CommandResult } from '../../src/cli/base-command.js';
import { VmigrateCommand } from '../../src/cli/base-command.js';
import { checkHosts, checkOutcome, type HostCheckRow } from '../../src/hosts/check.js';
import { renderHostChecks } from '../../src/ui/hosts-check-view.js';

export default class HostsCheck extends VmigrateCommand<{ hosts: HostCheckRow[] }> {
  static override summary = 'Connect to hosts, verify their keys and show what they offer.';
  static override description =
    'For each host: resolve it (vmigrate profile, ~/.ssh/config alias or user@host[:port]), verify its host key ' +
    'against known_hosts, log in, and probe the system: GNU tar and find, the vpopmail directory, version and ' +
    'uid/gid, the qmail directory, free space and optional programs. Nothing is changed on the hosts.';
  static override examples = [
    '<%= config.bin %> hosts check old new',
    '<%= config.bin %> hosts check root@mail.example.net:2222 --accept-new-host-keys',
    '<%= config.bin %> hosts check old --json',
  ];
  static override strict = false;
  static override args = {
    host: Args.string({ description: 'profile, ssh alias or user@host[:port]', required: true }),
  };

  protected async execute(): Promise<CommandResult<{ hosts: HostCheckRow[] }>> {
    const { flags, argv } = await this.parse(HostsCheck);
    const session = this.openSession(flags);
    const hosts = await checkHosts(session, argv as string[]);
    return { outcome: checkOutcome(hosts), data: { hosts } };
  }

  protected render(r: CommandResult<{ hosts: HostCheckRow[] }>): string {
    return renderHostChecks(r.data.hosts);
  }
}
