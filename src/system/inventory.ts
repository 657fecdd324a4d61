/** Reading a system domain (Unix accounts) from a qmail server: one script, one round trip. */
import { readFileSync } from 'node:fs';
import { RemoteCommandError, VmigrateError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { parseSystemInventory } from './inventory-parse.js';
import type { SystemInventory } from './inventory-types.js';

const SCRIPT = readFileSync(new URL('./inventory-script.sh', import.meta.url), 'utf8');

export interface SystemScope {
  /** The lowest uid of a mail account (default: the server's login.defs UID_MIN, else 1000). */
  uidMin?: number | undefined;
  /** Exactly these accounts (--users FILE), instead of every account from uidMin up. */
  users?: readonly string[] | undefined;
  /**
   * How qmail delivered the domain (`local`, `prefix:<prefix>`) when a cutover has since taken
   * it out of control/locals or virtualdomains; read from those files otherwise.
   */
  form?: SystemForm | undefined;
}

export type SystemForm = 'local' | `prefix:${string}`;

export async function readSystemInventory(
  remote: Remote,
  qmailDir: string,
  domain: string,
  scope: SystemScope = {},
): Promise<SystemInventory> {
  const list = scope.users;
  const r = await remote
    .run(
      [
        'sh',
        '-c',
        SCRIPT,
        'vmigrate-system-inventory',
        domain,
        qmailDir,
        scope.uidMin === undefined ? '' : String(scope.uidMin),
        list ? 'list' : 'all',
        scope.form ?? '',
      ],
      { stdin: list ? `${list.join('\n')}\n` : '', timeoutMs: 30 * 60_000 },
    )
    .catch((error: unknown) => {
      if (!(error instanceof RemoteCommandError)) throw error;
      throw new VmigrateError(
        `reading the accounts of ${domain} on ${remote.label} failed: ${error.message}`,
        {
          host: remote.label,
          cause: error,
          hint: 'reading accounts changes nothing: once the cause is gone, run the command again',
        },
      );
    });
  return parseSystemInventory(r.stdout.toString('utf8'), remote.label, domain);
}
