// Output in program order (stdout and stderr interleave as the C tools' do) and exits.
import { Buffer } from 'node:buffer';
import { readSync, writeSync } from 'node:fs';

/**
 * Writes everything, waiting while a non-blocking pipe is full: the C tools' stdio blocks
 * there. (Without this a 5,000-user `vuserinfo -D` stopped half-way with EAGAIN once its
 * reader fell behind.)
 */
function writeAll(fd, text) {
  let buf = Buffer.from(text);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

export const out = (line) => writeAll(1, `${line}\n`);
export const outRaw = (text) => writeAll(1, text);
export const err = (line) => writeAll(2, `${line}\n`);

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
