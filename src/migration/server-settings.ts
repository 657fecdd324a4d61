/**
 * `move --all --server`: the server-level settings the moved domains depend on, read from both
 * hosts (one read-only command each) and compared, for the plan. Nothing is written.
 */
import { readFileSync } from 'node:fs';
import type { HostHandle, HostPair } from '../hosts/open-hosts.js';
import {
  compareServerSettings,
  parseServerSettings,
  type SettingDifference,
  type SettingFile,
} from '../vpopmail/server-settings.js';

const SCRIPT = readFileSync(new URL('../vpopmail/server-settings-script.sh', import.meta.url), 'utf8');

export interface ServerComparison {
  source: string;
  dest: string;
  differences: SettingDifference[];
}

async function readSettings(host: HostHandle): Promise<SettingFile[]> {
  const r = await host.remote.run([
    'sh',
    '-c',
    SCRIPT,
    'vmigrate-server-settings',
    host.caps.vpopmail?.dir ?? '/nonexistent',
    host.caps.qmail.dir,
  ]);
  return parseServerSettings(r.stdout.toString('utf8'), host.label);
}

export async function compareServers(hosts: HostPair, domains: readonly string[]): Promise<ServerComparison> {
  const [source, dest] = await Promise.all([readSettings(hosts.source), readSettings(hosts.dest)]);
  return {
    source: hosts.source.label,
    dest: hosts.dest.label,
    differences: compareServerSettings(source, dest, domains),
  };
}
