// What a real build compiles in (section 1 of the spec): written by the lab installer next
// to this file, so every host gets its own home, uid/gid and qmail directory.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const file =
  process.env.VPOPMAIL_EMULATOR_CONFIG ?? join(dirname(fileURLToPath(import.meta.url)), 'emulator.json');

/** @type {{ vpopmailDir: string, uid: number, gid: number, qmailDir: string, version: string, node: string, backend?: 'cdb' | 'mysql', valias?: boolean, manyDomains?: boolean, mysqlLimits?: boolean }} */
export const config = JSON.parse(readFileSync(file, 'utf8'));

export const domainsDir = () => join(config.vpopmailDir, 'domains');
export const qmailPath = (...p) => join(config.qmailDir, ...p);
/** Where the emulator keeps what only it needs (HUP record, queue runner state, logs). */
export const emulatorState = (...p) => join(config.qmailDir, 'emulator', ...p);
