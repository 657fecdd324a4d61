// Entry point: `main.mjs <program> [args…]`. Each ~vpopmail/bin and ~qmail/bin wrapper
// execs this with its own name, as one multi-call binary.
import process from 'node:process';
import { Exit } from './io.mjs';
import { withHostLock } from './lock.mjs';

const PROGRAMS = {
  vadddomain: './programs/vadddomain.mjs',
  vdeldomain: './programs/vdeldomain.mjs',
  vaddaliasdomain: './programs/vaddaliasdomain.mjs',
  vadduser: './programs/vadduser.mjs',
  vdeluser: './programs/vdeluser.mjs',
  vmoduser: './programs/vmoduser.mjs',
  vpasswd: './programs/vpasswd.mjs',
  vsetuserquota: './programs/vsetuserquota.mjs',
  vuserinfo: './programs/vuserinfo.mjs',
  vdominfo: './programs/vdominfo.mjs',
  valias: './programs/valias.mjs',
  vmoddomlimits: './programs/vmoddomlimits.mjs',
  vmkpasswd: './programs/vmkpasswd.mjs',
  vdelivermail: './programs/vdelivermail.mjs',
  'qmail-newu': './programs/qmail-newu.mjs',
  'qmail-newmrh': './programs/qmail-newmrh.mjs',
  'qmail-inject': './programs/qmail-inject.mjs',
  'qmail-local': './programs/qmail-local.mjs',
  'qmail-qread': './programs/qmail-qread.mjs',
  'qmail-qstat': './programs/qmail-qstat.mjs',
  'qmail-send': './programs/qmail-send.mjs',
};

export const PROGRAM_NAMES = Object.keys(PROGRAMS);

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
  const path = PROGRAMS[name ?? ''];
  if (!path) {
    process.stderr.write(`vpopmail emulator: unknown program ${name ?? '(none)'}\n`);
    return 127;
  }
  const program = (await import(path)).default;
  try {
    if (WRITERS.has(name)) await withHostLock(() => program(argv));
    else await program(argv);
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
