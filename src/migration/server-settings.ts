/**
 * `move --all --server`: the server-level settings the moved domains depend on, read from both
 * hosts (one read-only command each) and compared, for the plan; with `--server-settings`, the
 * ones the operator names carried onto the destination (each file kept as it was beside it).
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { ABSENT, readFileState, replaceFile } from '../remote/file-state.js';
import { UsageError } from '../errors.js';
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

export interface SettingApplied {
  key: string;
  path: string;
  /** What was done: the file written as the source's, or the source's lines added. */
  did: 'copied' | 'lines added';
  /** Where the file as it was is kept on the destination (absent: there was none). */
  backup: string | undefined;
}

/** Keys the operator may ask to carry: what differs and may be carried. */
export function carriable(c: ServerComparison): string[] {
  return c.differences.filter((d) => d.carry !== 'never').map((d) => d.key);
}

/**
 * Carries the settings `keys` (each one that differs and may be carried) onto the destination:
 * its file as it was kept beside it (`<path>.vmigrate-<stamp>`), then the source's file, or its
 * lines added, written only if the file is still as read. A key that does not differ is done.
 */
export async function applyServerSettings(
  hosts: HostPair,
  c: ServerComparison,
  keys: readonly string[],
  stamp: string,
): Promise<{ applied: SettingApplied[]; left: Array<{ key: string; why: string }> }> {
  const applied: SettingApplied[] = [];
  const left: Array<{ key: string; why: string }> = [];
  const dest = hosts.dest.remote;
  for (const key of keys) {
    const d = c.differences.find((x) => x.key === key);
    if (!d) continue;
    if (d.carry === 'never') {
      left.push({ key, why: `${d.why}: each server keeps its own` });
      continue;
    }
    if (!d.destPath) {
      left.push({
        key,
        why: `${hosts.dest.label} has no such file where vmigrate looks: where it keeps it is its own setup`,
      });
      continue;
    }
    const now = await readFileState(dest, d.destPath, 'file');
    const text = now.content.toString('utf8');
    const next =
      d.carry === 'copy'
        ? (d.sourceText ?? '')
        : `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${d.onlySource.map((l) => `${l}\n`).join('')}`;
    let backup: string | undefined;
    if (now.exists) {
      backup = `${d.destPath}.vmigrate-${stamp}`;
      await replaceFile(dest, backup, ABSENT, now);
    }
    await replaceFile(dest, d.destPath, now, {
      exists: true,
      content: Buffer.from(next, 'utf8'),
      mode: now.exists ? now.mode : '644',
      uid: now.exists ? now.uid : 0,
      gid: now.exists ? now.gid : 0,
    });
    applied.push({ key, path: d.destPath, did: d.carry === 'copy' ? 'copied' : 'lines added', backup });
    // tcpserver reads the rules compiled: build them again where the host has tcprules.
    if (key === 'tcp.smtp') {
      const r = await dest.exec([
        'sh',
        '-c',
        'command -v tcprules >/dev/null 2>&1 || exit 127; tcprules "$1.cdb" "$1.vmigrate.tmp" <"$1"',
        'vmigrate-tcprules',
        d.destPath,
      ]);
      if (r.code !== 0)
        left.push({
          key,
          why:
            r.code === 127
              ? `${hosts.dest.label} has no tcprules: build ${d.destPath}.cdb from ${d.destPath} as its tcpserver expects`
              : `tcprules failed on ${hosts.dest.label}: ${r.stderr.trim()}`,
        });
    }
  }
  return { applied, left };
}

/** --server-settings: 'all' or keys; only with --server, and never in a plan (which changes nothing). */
export function serverSettingsOf(
  value: string | undefined,
  server: boolean,
  dryRun: boolean,
): string[] | 'all' | undefined {
  if (value === undefined) return undefined;
  if (!server) throw new UsageError('--server-settings goes with --server');
  if (dryRun)
    throw new UsageError(
      '--server-settings changes the destination: drop --dry-run (the plan shows what it would carry)',
    );
  if (value === 'all') return 'all';
  const keys = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (keys.length === 0) throw new UsageError("--server-settings: name the settings, or 'all'");
  return keys;
}
