// Output in program order (stdout and stderr interleave as the C tools' do) and exits.
import { Buffer } from 'node:buffer';
import { readSync, writeSync } from 'node:fs';

export const out = (line) => writeSync(1, `${line}\n`);
export const outRaw = (text) => writeSync(1, text);
export const err = (line) => writeSync(2, `${line}\n`);

/** Thrown to end a program with a status; main() turns it into process.exitCode. */
export class Exit extends Error {
  constructor(status) {
    super(`exit ${status}`);
    this.status = status;
  }
}
export const exit = (status) => {
  throw new Exit(status);
};

/** All of stdin, read synchronously (the tools read their message this way). */
export function readStdin() {
  const chunks = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}
