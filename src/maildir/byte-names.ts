/**
 * File names under a Maildir are bytes, not text: a name may hold a TAB, a newline or bytes that
 * are not UTF-8, and each must be copied or reported by its exact name. Inside vmigrate such a
 * name is a *byte string*: one UTF-16 code unit per byte (Node's 'latin1' encoding), which keeps
 * every byte and compares and sorts byte by byte. It never travels as a command-line argument
 * (command lines are UTF-8 text); it travels on stdin, NUL-separated. People see it through
 * `showName`.
 */
import { Buffer } from 'node:buffer';

export function fromBytes(bytes: Buffer): string {
  return bytes.toString('latin1');
}

export function toBytes(name: string): Buffer {
  return Buffer.from(name, 'latin1');
}

/** Byte strings joined into one NUL-separated stdin for a remote `xargs -0`, `tar --null -T -`. */
export function nulList(names: readonly string[]): Buffer {
  return Buffer.concat(names.flatMap((n) => [toBytes(n), Buffer.from([0])]));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
// Control characters and the C1 range: a terminal would act on them or show nothing.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]/;

function escapeByte(b: number): string {
  const named: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 39: "\\'", 92: '\\\\' };
  return named[b] ?? `\\x${b.toString(16).padStart(2, '0')}`;
}

/**
 * A byte string as a person should see it: as UTF-8 text when it is printable UTF-8, otherwise
 * in the shell's `$'…'` quoting (as `ls` prints such names), which pastes back into a shell as
 * the exact name.
 */
export function showName(name: string): string {
  const bytes = toBytes(name);
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined && !UNPRINTABLE.test(text)) return text;
  let out = '';
  for (const b of bytes)
    out += b >= 0x20 && b < 0x7f && b !== 39 && b !== 92 ? String.fromCharCode(b) : escapeByte(b);
  return `$'${out}'`;
}

const TAR_ESCAPES: Record<number, string> = {
  7: 'a',
  8: 'b',
  9: 't',
  10: 'n',
  11: 'v',
  12: 'f',
  13: 'r',
  58: ':',
  92: '\\',
};

/**
 * A name as GNU tar prints it in a diagnostic (quotearg_colon, escape style): a backslash, a
 * colon and C escapes for control characters, three octal digits for the other bytes outside
 * printable ASCII. How a vanished member, `tar: cur/1.a\:2,S: Cannot stat…`, is found again.
 */
export function tarQuoted(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const named = TAR_ESCAPES[c];
    if (named !== undefined) out += `\\${named}`;
    else if (c < 0x20 || c >= 0x7f) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += name[i];
  }
  return out;
}
