/**
 * The state store failing under a run: its disk full, its file damaged or not a store at all,
 * locked by another process, or not writable. Each is told as what it means for the operator,
 * naming the file. A run cannot go on without its records (the ledger is written before the
 * bytes it describes move), so such a failure stops the run instead of failing a mailbox.
 */
import { VmigrateError } from '../errors.js';

export class StateStoreError extends VmigrateError {
  override readonly code = 'STATE_STORE';
}

/** An error raised by SQLite itself (better-sqlite3's SqliteError, whose code is SQLITE_…). */
function sqliteCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.name !== 'SqliteError') return undefined;
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : 'SQLITE_ERROR';
}

export function isStoreFailure(err: unknown): boolean {
  return err instanceof StateStoreError || sqliteCode(err) !== undefined;
}

/** `err` as a StateStoreError naming `file`, if it is a failure of the store; else undefined. */
export function storeFailure(err: unknown, file: string): StateStoreError | undefined {
  if (err instanceof StateStoreError) return err;
  const code = sqliteCode(err);
  if (code === undefined) return undefined;
  const said = (err as Error).message;
  const fail = (message: string, hint: string) => new StateStoreError(message, { hint, cause: err });
  if (code === 'SQLITE_FULL')
    return fail(
      `the state store ${file} cannot be written: its disk is full (${said})`,
      'free space on that disk, then continue with vmigrate resume: what the store could not record is done again',
    );
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return fail(
      `the state store ${file} is locked by another process (${said})`,
      'another vmigrate (or a tool holding the file open) is using this --state directory: wait for it, or use another --state',
    );
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return fail(
      `the state store ${file} is damaged or is not a vmigrate state store (${said})`,
      'move the file aside (with its -wal and -shm files) and vmigrate starts a new store, losing the record of earlier runs and copies; or point --state at another directory',
    );
  return fail(
    `the state store ${file} cannot be used (${said})`,
    'check that the --state directory is on a disk that is writable and not full',
  );
}
