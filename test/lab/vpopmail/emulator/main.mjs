// Entry point: `main.mjs <program> [args…]`, one multi-call binary: each wrapper in
// ~vpopmail/bin and qmail's bin execs it with its own name, found in programs/<name>.mjs.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';
import { Exit } from './io.mjs';
import { injectedFault } from './fault.mjs';
import { withHostLock } from './lock.mjs';

/** Tools that change vpopmail's or qmail's files run one at a time on a host. */
const WRITERS = new Set([
  'vadddomain',
  'vdeldomain',
  'vaddaliasdomain',
  'vadduser',
  'vdeluser',
  'vmoduser',
  'vpasswd',
  'vsetuserquota',
  'valias',
  'vmoddomlimits',
  'vmkpasswd',
  'vdominfo',
  'qmail-newu',
  'qmail-newmrh',
]);

async function main() {
  const [name, ...argv] = process.argv.slice(2);
  const path = new URL(`./programs/${name}.mjs`, import.meta.url);
  if (!/^[a-z][a-z-]*$/.test(name ?? '') || !existsSync(path)) {
    process.stderr.write(`vpopmail emulator: unknown program ${name ?? '(none)'}\n`);
    return 127;
  }
  const program = (await import(path)).default;
  try {
    if (WRITERS.has(name)) {
      const status = await withHostLock(() => injectedFault(name) ?? program(argv));
      if (typeof status === 'number') return status;
    } else {
      const status = injectedFault(name);
      if (typeof status === 'number') return status;
      await program(argv);
    }
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.status;
    // The reader went away (`| head`): stop quietly, as a C tool dies of SIGPIPE.
    if (e?.code === 'EPIPE') return 141;
    throw e;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`vpopmail emulator: ${e?.stack ?? e}\n`);
    process.exitCode = 111;
  },
);
