/**
 * Asking the destination's own crypt() which password hashes it verifies: vpopmail checks a
 * password with crypt(), so a hash whose scheme the destination's libc does not know locks its
 * user out there. Checked there, not assumed from a list (crypt-check.sh).
 */
import { readFileSync } from 'node:fs';
import { RemoteCommandError } from '../errors.js';
import type { Secret } from '../remote/quote.js';
import type { Remote } from '../remote/remote.js';

const SCRIPT = readFileSync(new URL('./crypt-check.sh', import.meta.url), 'utf8');

/** ok: it verifies passwords against it; no: it cannot; unchecked: no perl or python3 there to ask. */
export type HashCheck = 'ok' | 'no' | 'unchecked';

export async function checkHashes(dest: Remote, hashes: readonly Secret[]): Promise<HashCheck[]> {
  if (hashes.length === 0) return [];
  // Hashes travel on stdin only: an argument would show in ps on the destination.
  const stdin = `${hashes.map((h) => h.value.replace(/\n/g, '')).join('\n')}\n`;
  const r = await dest.run(['sh', '-c', SCRIPT, 'vmigrate-crypt-check'], { stdin });
  const answers = r.stdout.toString('utf8').split('\n').filter(Boolean);
  if (answers.length !== hashes.length || answers.some((a) => !['ok', 'no', 'unchecked'].includes(a)))
    throw new RemoteCommandError(
      `checking password schemes on ${dest.label} gave ${answers.length} answer(s) for ${hashes.length} hash(es)`,
      { command: r.command, code: r.code, signal: r.signal, stderr: r.stderr },
      { host: dest.label },
    );
  return answers as HashCheck[];
}
