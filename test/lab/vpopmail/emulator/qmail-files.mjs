// The qmail files vpopmail edits (spec section 3): users/assign and users/cdb, rcpthosts,
// morercpthosts, virtualdomains, locals, and the HUP that tells qmail-send to reload.
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';
import { buildCdb, cdbGet } from './cdb.mjs';
import { emulatorState, qmailPath } from './config.mjs';
import { readLines, replaceFile, touchLock } from './files.mjs';
import { err } from './io.mjs';

/** Domains sort with their last two labels first: a.b.example.com -> example.com.a.b. */
export function sortKey(name) {
  const labels = name.split('.');
  if (labels.length <= 2) return name;
  return [...labels.slice(-2), ...labels.slice(0, -2)].join('.');
}

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** Insert before the first line whose key compares greater; re-sort a file found out of order. */
function insertSorted(file, lines, line, keyOf) {
  const keys = lines.map(keyOf);
  if (keys.some((k, i) => i > 0 && cmp(keys[i - 1], k) > 0)) {
    err(`NOTICE: Out of order entries found in ${file}`);
    err('   Sorting...');
    err('');
    lines.sort((a, b) => cmp(keyOf(a), keyOf(b)));
  }
  const key = keyOf(line);
  const at = lines.findIndex((l) => cmp(keyOf(l), key) > 0);
  if (at < 0) lines.push(line);
  else lines.splice(at, 0, line);
  return lines;
}

/** Rewrite a qmail file in place: its owner stays, its mode becomes 0644. */
// vpopmail's update_file() writes <file>.<pid> and renames it over the file, so a reader
// (qmail-newu, vmigrate's inventory) never sees a half-written users/assign or rcpthosts.
function statOrUndefined(file) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function writeQmailFile(file, lines, trailer = '') {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, lines.map((l) => `${l}\n`).join('') + trailer);
  chmodSync(tmp, 0o644);
  // "Their owner does not change" (spec 2.2): the new file takes the old one's owner.
  const old = statOrUndefined(file);
  if (old) chownSync(tmp, old.uid, old.gid);
  renameSync(tmp, file);
}

// users/assign -------------------------------------------------------------------------

export const assignFile = () => qmailPath('users', 'assign');
const assignKey = (line) => sortKey(line.slice(1, line.indexOf(':')).replace(/-$/, ''));

export function assignLine(name, real, uid, gid, dir) {
  return `+${name}-:${real}:${uid}:${gid}:${dir}:-::`;
}

/** The `+` lines of users/assign, parsed. */
export function assignEntries() {
  return readLines(assignFile())
    .filter((l) => l.startsWith('+'))
    .map((l) => {
      const f = l.slice(1).split(':');
      return {
        line: l,
        name: (f[0] ?? '').replace(/-$/, ''),
        real: f[1] ?? '',
        uid: Number(f[2]),
        gid: Number(f[3]),
        dir: f[4] ?? '',
      };
    });
}

function assignBody() {
  const lines = readLines(assignFile());
  if (lines.at(-1) === '.') lines.pop();
  return lines;
}

export function addAssign(line) {
  const file = assignFile();
  touchLock(file);
  writeQmailFile(file, insertSorted(file, assignBody(), line, assignKey), '.\n');
  qmailNewu();
}

/** Removes only lines exactly equal to what vpopmail would have written. */
export function removeAssign(lines) {
  const file = assignFile();
  touchLock(file);
  const drop = new Set(lines);
  writeQmailFile(
    file,
    assignBody().filter((l) => !drop.has(l)),
    '.\n',
  );
  qmailNewu();
}

/** qmail-newu: users/cdb from users/assign (section 3.1). */
export function qmailNewu() {
  const records = [];
  const wild = new Set();
  for (const l of readLines(assignFile())) {
    if (l === '.') break;
    if (l.startsWith('+')) {
      const f = l.slice(1).split(':');
      const prefix = f[0] ?? '';
      records.push([`!${prefix.toLowerCase()}`, f.slice(1, 7).join('\0')]);
      if (prefix) wild.add(prefix.at(-1));
    } else if (l.startsWith('=')) {
      const f = l.slice(1).split(':');
      records.push([`!${(f[0] ?? '').toLowerCase()}\0`, f.slice(1, 7).join('\0')]);
    }
  }
  records.push(['', [...wild].join('')]);
  const file = qmailPath('users', 'cdb');
  const old = process.umask(0o033);
  try {
    replaceFile(file, buildCdb(records));
  } finally {
    process.umask(old);
  }
}

/** A users/cdb lookup, as qmail-lspawn and vpopmail's vget_assign do. */
export function usersCdbLookup(prefixKey) {
  let buf;
  try {
    buf = readFileSync(qmailPath('users', 'cdb'));
  } catch {
    return undefined;
  }
  const data = cdbGet(buf, `!${prefixKey}`);
  if (!data) return undefined;
  const [user, uid, gid, dir, dash, pre] = data.toString().split('\0');
  return { user, uid: Number(uid), gid: Number(gid), dir, dash, pre };
}

// control files --------------------------------------------------------------------------

const control = (name) => qmailPath('control', name);

function editControl(name, edit) {
  const file = control(name);
  touchLock(file);
  writeQmailFile(file, edit(readLines(file), file));
}

export function rcpthostsCount() {
  return readLines(control('rcpthosts')).length;
}

/** A new name goes to rcpthosts until it holds 50 lines, then to morercpthosts. */
export function addRcpthost(name, { optimize = false } = {}) {
  if (rcpthostsCount() >= 50) {
    editControl('morercpthosts', (lines, file) => insertSorted(file, lines, name, sortKey));
    if (!optimize) qmailNewmrh();
  } else {
    editControl('rcpthosts', (lines, file) => insertSorted(file, lines, name, sortKey));
  }
}

export function removeRcpthost(name) {
  const lines = readLines(control('rcpthosts'));
  if (lines.includes(name)) {
    editControl('rcpthosts', (l) => l.filter((x) => x !== name));
    return;
  }
  const more = readLines(control('morercpthosts'));
  if (!more.includes(name)) return;
  const rest = more.filter((x) => x !== name);
  if (rest.length === 0) {
    rmSync(control('morercpthosts'), { force: true });
    rmSync(control('morercpthosts.cdb'), { force: true });
  } else {
    editControl('morercpthosts', () => rest);
    qmailNewmrh();
  }
}

export function qmailNewmrh() {
  const records = readLines(control('morercpthosts'))
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => [l, '']);
  const old = process.umask(0o033);
  try {
    replaceFile(control('morercpthosts.cdb'), buildCdb(records));
  } finally {
    process.umask(old);
  }
}

const vdKey = (line) => sortKey(line.slice(0, line.indexOf(':')));

export function addVirtualdomain(name) {
  editControl('virtualdomains', (lines, file) => insertSorted(file, lines, `${name}:${name}`, vdKey));
}

export function removeVirtualdomain(name) {
  editControl('virtualdomains', (lines) => lines.filter((l) => l !== `${name}:${name}`));
}

export function removeFromLocals(name) {
  editControl('locals', (lines) => lines.filter((l) => l !== name));
}

/**
 * vpopmail HUPs every process whose `ps` line says qmail-send. The lab records the request
 * and signals only its own queue runner (by its pid file), never a stranger.
 */
export function hupQmailSend(tool) {
  const log = emulatorState('hup.log');
  mkdirSync(dirname(log), { recursive: true });
  appendFileSync(log, `${new Date().toISOString()} ${tool} pid ${process.pid}\n`);
  const pidFile = emulatorState('qmail-send.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    if (pid > 0) process.kill(pid, 'SIGHUP');
  } catch {
    // the runner is not running: nothing to tell
  }
}
