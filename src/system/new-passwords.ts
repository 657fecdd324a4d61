/**
 * New passwords for accounts whose hash the destination cannot verify (`--new-passwords`):
 * made on this machine, hashed by the destination's own crypt() (SHA-512, which vpopmail 5.4
 * verifies through glibc), and written to a file of the operator's (mode 0600, in the state
 * directory) before any user is created with them. The file is also the record: a resumed or
 * repeated move finds each user's password there and uses the same one, never a second.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PreconditionError, RemoteCommandError } from '../errors.js';
import { Secret } from '../remote/quote.js';
import type { Remote } from '../remote/remote.js';

const MAKE = readFileSync(new URL('./crypt-make.sh', import.meta.url), 'utf8');

export interface NewPassword {
  clear: Secret;
  hash: Secret;
}

/** crypt's alphabet: salts and passwords that need no quoting anywhere. */
const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomText(length: number): string {
  // 256 is a multiple of 64: every byte maps to one character without bias.
  return [...randomBytes(length)].map((b) => ALPHABET[b % 64]).join('');
}

/** The file's lines: `user<TAB>password<TAB>hash`, `#` comments. */
export function readPasswordFile(file: string): Map<string, NewPassword> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const out = new Map<string, NewPassword>();
  for (const line of text.split('\n')) {
    const [user, clear, hash] = line.split('\t');
    if (line.startsWith('#') || !user || !clear || !hash) continue;
    out.set(user, { clear: new Secret(clear), hash: new Secret(hash) });
  }
  return out;
}

function writePasswordFile(file: string, heading: string, entries: ReadonlyMap<string, NewPassword>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text =
    `# ${heading}\n# user\tpassword\thash (as the destination verifies it)\n` +
    [...entries].map(([u, p]) => `${u}\t${p.clear.value}\t${p.hash.value}\n`).join('');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * A new password for each of `users` (addresses), the ones the file already holds kept: the
 * new ones made, hashed on `dest`, and the whole file written before this returns.
 */
export async function newPasswords(
  dest: Remote,
  users: readonly string[],
  file: string,
  heading: string,
): Promise<Map<string, NewPassword>> {
  const known = readPasswordFile(file);
  const wanted = users.filter((u) => !known.has(u));
  if (wanted.length === 0) return known;
  const made = wanted.map((u) => ({ user: u, setting: `$6$${randomText(16)}$`, clear: randomText(20) }));
  const r = await dest.exec(['sh', '-c', MAKE, 'vmigrate-crypt-make'], {
    stdin: made.map((m) => `${m.setting} ${m.clear}\n`).join(''),
  });
  if (r.code === 3)
    throw new PreconditionError(
      `${dest.label} has neither perl nor python3 to make password hashes with its crypt()`,
      {
        host: dest.label,
        hint: 'install perl there, or leave those users out with --skip-unrepresentable',
      },
    );
  const hashes = r.stdout.toString('utf8').split('\n').filter(Boolean);
  if (r.code !== 0 || hashes.length !== made.length)
    throw new RemoteCommandError(`making password hashes on ${dest.label} failed`, r, { host: dest.label });
  const refused = made.filter((_, i) => hashes[i] === 'no').map((m) => m.user);
  if (refused.length > 0)
    throw new PreconditionError(
      `${dest.label}'s crypt() does not make SHA-512 hashes (for ${refused.join(', ')})`,
      {
        host: dest.label,
      },
    );
  const all = new Map(known);
  made.forEach((m, i) => all.set(m.user, { clear: new Secret(m.clear), hash: new Secret(hashes[i] ?? '') }));
  writePasswordFile(file, heading, all);
  return all;
}
