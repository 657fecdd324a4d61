/**
 * Installs the vpopmail emulator into a lab host before it starts, the way a real build
 * lands on a server: programs in ~vpopmail/bin and qmail's bin, vlimits.default, qmail's
 * control and users directories. Files are written through the host's overlay upper
 * layers and owned by the host's own vpopmail uid/gid.
 */
import { chmodSync, chownSync, cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const EMULATOR_SOURCE = join(HERE, 'emulator');

/** One wrapper per program file of the emulator: qmail's in qmail's bin, the rest in ~vpopmail/bin. */
const PROGRAM_NAMES = readdirSync(join(EMULATOR_SOURCE, 'programs'))
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -'.mjs'.length));
export const QMAIL_PROGRAMS = PROGRAM_NAMES.filter((p) => p.startsWith('qmail-'));
export const VPOPMAIL_PROGRAMS = PROGRAM_NAMES.filter((p) => !p.startsWith('qmail-'));

/** Programs the fixture's .qmail files call; only the source host has them, as often in life. */
export const ADDON_PROGRAMS = [
  'autorespond',
  'ezmlm-reject',
  'ezmlm-send',
  'ezmlm-warn',
  'ezmlm-get',
  'ezmlm-manage',
  'ezmlm-weed',
  'ezmlm-return',
  'ezmlm-make',
] as const;

export interface EmulatedHost {
  name: string;
  /** Install stand-ins for autorespond and ezmlm in qmail's bin. */
  addons: boolean;
  vpopmail: { uid: number; gid: number; home: string };
  qmailDir: string;
  /** Maps an absolute path on the host to where it is written from outside (its upper layer). */
  outside: (hostPath: string) => string;
  /** Where users live: vpasswd files (cdb, the default build) or MariaDB (spec 11). */
  backend: 'cdb' | 'mysql';
  /** --enable-valias (MySQL only): aliases in the valias table. */
  valias?: boolean;
}

/**
 * ~vpopmail/include/vpopmail_config.h, the build's config.h as `make install` copies it: the
 * defines other software (chkuser, qmailadmin) and vmigrate read a build's options from. Only
 * those the lab's options change, with configure's own values.
 */
export function vpopmailConfigHeader(o: {
  backend: 'cdb' | 'mysql';
  valias?: boolean | undefined;
  manyDomains?: boolean | undefined;
  mysqlLimits?: boolean | undefined;
}): string {
  const lines = ['/* config.h.  Generated from config.h.in by configure.  */', '#define CLEAR_PASS 1'];
  if (o.backend === 'mysql' && o.manyDomains !== false) lines.push('#define MANY_DOMAINS 1');
  if (o.valias) lines.push('#define VALIAS 1');
  if (o.mysqlLimits) lines.push('#define ENABLE_MYSQL_LIMITS 1');
  lines.push('#define VERSION "5.4.33"');
  return `${lines.join('\n')}\n`;
}

function chownTree(path: string, uid: number, gid: number) {
  chownSync(path, uid, gid);
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

function wrapper(main: string, program: string): string {
  return `#!/bin/sh\nexec ${process.execPath} ${main} ${program} "$@"\n`;
}

export function installEmulator(host: EmulatedHost): void {
  const { uid, gid, home } = host.vpopmail;
  const vhome = host.outside(home);
  const lib = join(vhome, 'lib', 'emulator');
  mkdirSync(lib, { recursive: true, mode: 0o755 });
  cpSync(EMULATOR_SOURCE, lib, { recursive: true });
  writeFileSync(
    join(lib, 'emulator.json'),
    JSON.stringify(
      {
        vpopmailDir: home,
        uid,
        gid,
        qmailDir: host.qmailDir,
        version: '5.4.33',
        node: process.execPath,
        backend: host.backend,
        valias: host.valias === true,
      },
      null,
      2,
    ),
  );
  const main = join(home, 'lib', 'emulator', 'main.mjs');

  const bin = join(vhome, 'bin');
  mkdirSync(bin, { recursive: true, mode: 0o755 });
  // Real binaries are 0711; these are scripts, which must be readable to run.
  for (const p of VPOPMAIL_PROGRAMS) writeFileSync(join(bin, p), wrapper(main, p), { mode: 0o755 });
  mkdirSync(join(vhome, 'etc'), { recursive: true, mode: 0o755 });
  cpSync(join(HERE, 'assets', 'vlimits.default'), join(vhome, 'etc', 'vlimits.default'));
  chmodSync(join(vhome, 'etc', 'vlimits.default'), 0o644);
  mkdirSync(join(vhome, 'include'), { recursive: true, mode: 0o755 });
  writeFileSync(join(vhome, 'include', 'vpopmail_config.h'), vpopmailConfigHeader(host), { mode: 0o444 });
  chownTree(join(vhome, 'bin'), uid, gid);
  chownTree(join(vhome, 'etc'), uid, gid);
  chownTree(join(vhome, 'lib'), uid, gid);

  const qdir = host.outside(host.qmailDir);
  for (const d of ['bin', 'control', 'users', 'emulator'])
    mkdirSync(join(qdir, d), { recursive: true, mode: 0o755 });
  for (const p of QMAIL_PROGRAMS) writeFileSync(join(qdir, 'bin', p), wrapper(main, p), { mode: 0o755 });
  writeFileSync(join(qdir, 'control', 'me'), `${host.name}.lab.example\n`, { mode: 0o644 });
  if (host.addons)
    for (const p of ADDON_PROGRAMS) {
      cpSync(join(HERE, 'assets', p === 'autorespond' ? 'autorespond' : 'ezmlm-stub'), join(qdir, 'bin', p));
      chmodSync(join(qdir, 'bin', p), 0o755);
    }
}

/** qmail's retry schedule runs 100 times faster in the lab: a local retry after 1 s, 4 s, 9 s… */
export const LAB_RETRY_SCALE = 0.01;

/** The line the host's start script runs to bring up the mail server process. */
export function mailServerStartLine(qmailDir: string): string {
  const log = join(qmailDir, 'emulator', 'qmail-send.log');
  return `QMAIL_RETRY_SCALE=${LAB_RETRY_SCALE} ${join(qmailDir, 'bin', 'qmail-send')} >>${log} 2>&1 </dev/null &`;
}
