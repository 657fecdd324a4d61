/**
 * A lab host whose root login is slow to start, as servers with pyenv, rvm, conda or a banner
 * script in root's `.bashrc` are: bash reads `~/.bashrc` for every command sshd runs, so each
 * remote command vmigrate issues pays the start-up once. Root's home on a lab host is a
 * directory of the lab (bind-mounted on /root), so this takes effect at once, host running.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabHost } from './lab.js';

/** `seconds` of start-up for every command root runs over SSH on `host`; 0 takes it away. */
export function setShellStartup(host: LabHost, seconds: number): void {
  const rc = join(host.dir, 'root', '.bashrc');
  if (seconds <= 0) rmSync(rc, { force: true });
  // Quiet, as a start-up file must be for scp and friends: only slow.
  else
    writeFileSync(
      rc,
      `# lab: a slow shell start-up\nsleep ${seconds}\nexport LAB_SHELL_STARTUP=${seconds}\n`,
      { mode: 0o644 },
    );
}

/**
 * Root's `.bashrc` on `host` holding `lines` (a umask, a banner…), read before every command
 * sshd runs for root there; an empty list removes it.
 */
export function setRootShellRc(host: LabHost, lines: readonly string[]): void {
  const rc = join(host.dir, 'root', '.bashrc');
  if (lines.length === 0) rmSync(rc, { force: true });
  else writeFileSync(rc, `# lab: root's start-up file\n${lines.join('\n')}\n`, { mode: 0o644 });
}
