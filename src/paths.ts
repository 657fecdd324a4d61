/** Where vmigrate keeps its own files on the operator's machine. */
import { homedir } from 'node:os';
import { join } from 'node:path';

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** `$XDG_CONFIG_HOME/vmigrate`, i.e. `~/.config/vmigrate`, on Linux and macOS alike. */
export function userConfigDir(): string {
  return join(env('XDG_CONFIG_HOME') ?? join(homedir(), '.config'), 'vmigrate');
}

/** The platform's state directory: XDG on Linux, Application Support on macOS. */
export function defaultStateDir(): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'vmigrate');
  return join(env('XDG_STATE_HOME') ?? join(homedir(), '.local', 'state'), 'vmigrate');
}
