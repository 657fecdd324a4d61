/**
 * What a destination on vpopmail's MySQL backend cannot store as the source has it. vpopmail's
 * own limits (vpopmail.h) are wider than vmysql.h's columns in 5.4.33 for two fields (spec 11):
 * a longer value is cut by a lenient server (a SHA-512 hash to 40 characters: the user can no
 * longer log in) or refused by a strict one (vadduser fails half-way). Either way it is a
 * precondition vmigrate checks, never something the server reports.
 */
import type { VpopmailBackend } from '../hosts/probe.js';
import type { InventoryUser } from './inventory-types.js';

export const MYSQL_COLUMN_WIDTH = { passwd: 40, clearPasswd: 16 } as const;

/** Why the user cannot be stored on such a destination; empty when it can. */
export function unrepresentable(u: InventoryUser, dest: VpopmailBackend | undefined): string[] {
  if (dest !== 'mysql') return [];
  const why: string[] = [];
  const hash = u.password.value.length;
  if (hash > MYSQL_COLUMN_WIDTH.passwd)
    why.push(
      `its ${u.passwordScheme} password hash is ${hash} characters; vpopmail's MySQL column (pw_passwd) holds ${MYSQL_COLUMN_WIDTH.passwd}`,
    );
  const clear = u.clearPassword?.value.length ?? 0;
  if (clear > MYSQL_COLUMN_WIDTH.clearPasswd)
    why.push(
      `its clear-text password is ${clear} characters; vpopmail's MySQL column (pw_clear_passwd) holds ${MYSQL_COLUMN_WIDTH.clearPasswd}`,
    );
  return why;
}
