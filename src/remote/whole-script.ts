/**
 * A script sent on a remote `sh -s`'s stdin runs only if it arrived whole. A controller killed
 * while sending it, or a connection cut, leaves sh an early end of input; sh runs each command
 * as soon as it has read it, so a cut script would run its first commands and perhaps a last
 * one cut short (an unquoted `/a/b/c` read as `/a/b`). Inside one brace group sh reads the
 * whole before it runs any of it, and a group that never closes is a syntax error: nothing runs.
 */
import { Buffer } from 'node:buffer';
import { quote } from './quote.js';

export function wholeScript(body: string | Buffer): Buffer {
  const text = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from('{\n'), text, Buffer.from('\n}\n')]);
}

/** A byte string (one code unit per byte, see maildir/byte-names.ts) as one shell word, in bytes. */
export function quotedBytes(name: string): Buffer {
  return Buffer.from(quote(name), 'latin1');
}

/**
 * Text a remote script reads whole from stdin (a list, a line) ends in a marker line of its own:
 * text cut on its way ends without it. `lines` ends in a newline.
 */
export function endedInput(lines: string): string {
  return `${lines}@@end\n`;
}

/**
 * sh that reads stdin into `variable`, without the marker line, or says that `what` arrived
 * incomplete and exits with `status`.
 */
export function readEndedInput(variable: string, what: string, status: number): string {
  return `all=$(cat)
case $all in
  *'
@@end') ${variable}=\${all%'
@@end'} ;;
  *) echo 'vmigrate: ${what} arrived incomplete' >&2; exit ${status} ;;
esac`;
}
