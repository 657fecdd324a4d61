/** The CLI pointed at the lab, with a fresh state directory, and the run log it wrote. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './cli.js';
import { lab } from './lab-session.js';

export function runLabCli(args: string[]): CliResult & { log: string } {
  const c = lab().client;
  const state = mkdtempSync(join(tmpdir(), 'state-'));
  const r = runCli([...args, '--config', c.vmigrateConfig, '--ssh-config', c.sshConfig, '--state', state]);
  const file = /log: (.+)$/m.exec(r.stderr)?.[1];
  return { ...r, log: file ? readFileSync(file, 'utf8') : '' };
}
