import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostCheckRow } from '../../src/hosts/check.js';
import { runCli } from '../helpers/cli.js';
import { envelopeOf, resultOf } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';

function labArgs(state: string): string[] {
  const c = lab().client;
  return ['--config', c.vmigrateConfig, '--ssh-config', c.sshConfig, '--state', state];
}

describe('vmigrate hosts check', () => {
  it('verifies, logs in and probes each host; --json gives the rows', () => {
    const state = mkdtempSync(join(tmpdir(), 'state-'));
    const r = runCli(['hosts', 'check', 'old', 'new', '--json', ...labArgs(state)]);
    const out = resultOf<{ hosts: HostCheckRow[] }>(r.stdout);
    const [old, neu] = out.hosts;
    expect(old?.hostKey?.fingerprint).toMatch(/^SHA256:/);
    expect(old?.capabilities?.hostname).toBe('old');
    expect(old?.capabilities?.vpopmail).toMatchObject({ dir: '/home/vpopmail', uid: 89, gid: 89 });
    expect(neu?.capabilities?.vpopmail).toMatchObject({ dir: '/var/vpopmail', uid: 1089, gid: 1090 });
    expect(old?.capabilities?.tar.gnu).toBe(true);
    expect(old?.capabilities?.vpopmail?.version).toBe('5.4.33');
    expect(old?.problems).toEqual([]);
    expect(neu?.problems).toEqual([]);
    expect(envelopeOf(r.stdout)).toMatchObject({ command: 'hosts check', outcome: 'ok', exitCode: 0 });
    expect(r.code).toBe(0);
    const logLine = /log: (.+)$/m.exec(r.stderr);
    expect(logLine?.[1]).toBeDefined();
    expect(statSync(logLine![1]!).mode & 0o777).toBe(0o600);
  });

  it('exits 7 (refused, not a transient failure) and prints the fingerprint for an unknown host key', () => {
    const state = mkdtempSync(join(tmpdir(), 'state-'));
    const empty = join(state, 'known_hosts');
    writeFileSync(empty, '');
    const cfg = join(state, 'vmigrate.yaml');
    writeFileSync(cfg, `hosts:\n  old:\n    host: old\n    knownHostsFile: ${empty}\n`);
    const args = [
      'hosts',
      'check',
      'old',
      '--config',
      cfg,
      '--ssh-config',
      lab().client.sshConfig,
      '--state',
      state,
    ];
    const r = runCli(args);
    expect(r.code).toBe(7);
    expect(r.stdout).toMatch(/not in known_hosts; its fingerprint is SHA256:/);
    expect(r.stdout).toMatch(/--accept-new-host-keys/);
    const json = runCli([...args, '--json']);
    expect(json.code).toBe(7);
    const row = resultOf<{ hosts: HostCheckRow[] }>(json.stdout).hosts[0];
    expect(row?.error).toMatchObject({ code: 'HOST_KEY', outcome: 'refused' });
    expect(envelopeOf(json.stdout)).toMatchObject({ outcome: 'refused', exitCode: 7 });
  });

  it('exits 2 for a malformed host argument, touching nothing', () => {
    const state = mkdtempSync(join(tmpdir(), 'state-'));
    const r = runCli(['hosts', 'check', 'old;reboot', ...labArgs(state)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/"old;reboot" is not a valid host name/);
  });

  it('exits 2 for an invalid configuration file, naming the field', () => {
    const state = mkdtempSync(join(tmpdir(), 'state-'));
    const cfg = join(state, 'bad.yaml');
    writeFileSync(cfg, 'hosts:\n  old:\n    port: "twenty-two"\n');
    const r = runCli(['hosts', 'check', 'old', '--config', cfg, '--state', state]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/hosts\.old\.port/);
  });
});
