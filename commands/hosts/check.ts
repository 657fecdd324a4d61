import { Args } from '@oclif/core';
import { VmigrateCommand } from '../../src/cli/base-command.js';
import { checkExitCode, checkHosts } from '../../src/hosts/check.js';
import { renderHostChecks } from '../../src/ui/hosts-check-view.js';

export default class HostsCheck extends VmigrateCommand {
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

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(HostsCheck);
    const session = this.openSession(flags);
    const rows = await checkHosts(session, argv as string[]);
    const code = checkExitCode(rows);
    if (flags.json)
      this.log(
        JSON.stringify({ status: code === 0 ? 'ok' : 'failed', exitCode: code, hosts: rows }, null, 2),
      );
    else this.log(renderHostChecks(rows));
    if (code !== 0) this.exitWith(code);
  }
}
