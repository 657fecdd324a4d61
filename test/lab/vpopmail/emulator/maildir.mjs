// Maildir delivery: write in tmp/, then rename into new/ (never seen half-written).
import { Buffer } from 'node:buffer';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

let n = 0;

/** @param {{ withSize?: boolean }} opts vdelivermail adds `,S=<size>`; qmail-local does not. */
export function deliverToMaildir(maildir, message, { withSize = false } = {}) {
  const host = hostname().slice(0, 32);
  const now = Math.floor(Date.now() / 1000);
  const unique = `${now}.${process.pid}${n++ ? `_${n}` : ''}.${host}`;
  const name = withSize ? `${unique},S=${message.length}` : unique;
  const tmp = join(maildir, 'tmp', name);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, Buffer.from(message));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(maildir, 'new', name));
  return name;
}

export function ensureMaildir(maildir) {
  for (const d of ['', 'cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true, mode: 0o700 });
}
