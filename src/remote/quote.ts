/**
 * The one function that turns argv into a remote shell command line. Every remote command goes
 * through here; nothing else concatenates text into a shell line.
 *
 * POSIX single quotes preserve every byte except the quote itself, which is closed, escaped and
 * reopened. NUL cannot travel in a C string argv, so it is refused rather than silently cut.
 */

/** An argument whose value must reach the server but never a log (password hashes, ...). */
export class Secret {
  constructor(readonly value: string) {}
  toString(): string {
    return '<redacted>';
  }
  toJSON(): string {
    return '<redacted>';
  }
}

export type Arg = string | Secret;

const SAFE = /^[A-Za-z0-9_/.,:@%+=-]+$/;

export function quote(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('a remote argument cannot contain a NUL byte');
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

function plain(arg: Arg): string {
  return arg instanceof Secret ? arg.value : arg;
}

/** The command line sent to the server. */
export function commandLine(argv: readonly Arg[]): string {
  if (argv.length === 0) throw new TypeError('empty remote command');
  return argv.map((a) => quote(plain(a))).join(' ');
}

/** The same command line with secrets replaced, for logs and error messages. */
export function displayCommand(argv: readonly Arg[]): string {
  return argv.map((a) => (a instanceof Secret ? '<redacted>' : quote(a))).join(' ');
}
