// One lock per host around every tool that changes vpopmail's files. vpopmail locks each
// file it edits; a single lock gives the same exclusion (two tools never interleave), and a
// lock left by a killed tool is taken over once its pid is gone.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';
import { emulatorState } from './config.mjs';

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(pause, 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export async function withHostLock(fn) {
  const file = emulatorState('tools.lock');
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o644 });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder;
      try {
        holder = Number(readFileSync(file, 'utf8')) || 0;
      } catch {
        continue;
      }
      if (holder && !alive(holder)) rmSync(file, { force: true });
      else sleep(5);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
