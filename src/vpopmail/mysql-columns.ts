/**
 * What a destination on vpopmail's MySQL backend cannot store as the source has it. vpopmail's
 * own limits (vpopmail.h) are wider than vmysql.h's columns in 5.4.33 for some fields (spec
 * 11): a longer value is cut by a lenient server (a SHA-512 hash to 40 characters: the user can
 * no longer log in) or refused by a strict one (vadduser fails half-way). Either way it is a
 * precondition vmigrate checks, never something the server reports.
 */
import type { VpopmailBackend } from '../hosts/probe.js';
import type { InventoryUser } from './inventory-types.js';

export const MYSQL_COLUMN_WIDTH = { passwd: 40, clearPasswd: 16, quota: 20, dir: 160 } as const;

export interface Unrepresentable {
  /** `user`: the account cannot exist there as it is; `clear`: only its clear-text copy cannot. */
  part: 'user' | 'clear';
  why: string;
}

/**
 * Why the user cannot be stored on such a destination; empty when it can. `destDir` is the
 * directory it will have there (hash buckets may still add a few characters).
 */
export function unrepresentable(
  u: InventoryUser,
  dest: VpopmailBackend | undefined,
  destDir: string,
): Unrepresentable[] {
  if (dest !== 'mysql') return [];
  const out: Unrepresentable[] = [];
  const hash = u.password.value.length;
  if (hash > MYSQL_COLUMN_WIDTH.passwd)
    out.push({
      part: 'user',
      why: `its ${u.passwordScheme} password hash is ${hash} characters; vpopmail's MySQL column (pw_passwd) holds ${MYSQL_COLUMN_WIDTH.passwd}`,
    });
  if (u.quota.length > MYSQL_COLUMN_WIDTH.quota)
    out.push({
      part: 'user',
      why: `its quota "${u.quota}" is ${u.quota.length} characters; vpopmail's MySQL column (pw_shell) holds ${MYSQL_COLUMN_WIDTH.quota}`,
    });
  if (destDir.length + 4 > MYSQL_COLUMN_WIDTH.dir)
    out.push({
      part: 'user',
      why: `its directory there (${destDir}, with up to 4 characters of hash buckets) is longer than vpopmail's MySQL column (pw_dir) holds, ${MYSQL_COLUMN_WIDTH.dir}`,
    });
  const clear = u.clearPassword?.value.length ?? 0;
  if (clear > MYSQL_COLUMN_WIDTH.clearPasswd)
    out.push({
      part: 'clear',
      why: `its clear-text password is ${clear} characters; vpopmail's MySQL column (pw_clear_passwd) holds ${MYSQL_COLUMN_WIDTH.clearPasswd}`,
    });
  return out;
}
