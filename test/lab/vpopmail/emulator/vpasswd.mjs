// The cdb backend's user table: <domaindir>/vpasswd, sorted by name, and vpasswd.cdb built
// from it after every change (spec 4.4, 4.5). Listings read vpasswd, lookups read the cdb.
import { existsSync, readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { buildCdb, cdbGet } from './cdb.mjs';
import { readLines, replaceFile, touchLock } from './files.mjs';

export const vpasswdFile = (domainDir) => join(domainDir, 'vpasswd');

/** @typedef {{ name: string, passwd: string, uid: string, gid: number, gecos: string, dir: string, quota: string, clear: string }} Pw */

/** @returns {Pw} */
export function parsePw(name, rest) {
  const f = rest.split(':');
  return {
    name,
    passwd: f[0] ?? '',
    uid: f[1] ?? '',
    gid: Number(f[2] ?? 0) || 0,
    gecos: f[3] ?? '',
    dir: f[4] ?? '',
    quota: f[5] ?? '',
    clear: f[6] ?? '',
  };
}

export const formatPw = (p) =>
  `${p.name}:${p.passwd}:${p.uid}:${p.gid}:${p.gecos}:${p.dir}:${p.quota}:${p.clear}`;

/** Every user in file order. */
export function listUsers(domainDir) {
  return readLines(vpasswdFile(domainDir)).map((l) => {
    const i = l.indexOf(':');
    return parsePw(l.slice(0, i), l.slice(i + 1));
  });
}

/**
 * vpasswd.cdb as vmkpasswd builds it: each line read into a 256-byte buffer, so a line over
 * 255 bytes is split and its tail becomes a bogus record (spec 4.4, outputs §23).
 */
export function rebuildCdb(domainDir, uid, gid) {
  const records = [];
  const text = existsSync(vpasswdFile(domainDir)) ? readFileSync(vpasswdFile(domainDir)) : Buffer.alloc(0);
  for (const raw of splitIntoReads(text)) {
    const line = raw.toString();
    const i = line.indexOf(':');
    if (i < 0) continue;
    records.push([line.slice(0, i), line.slice(i + 1)]);
  }
  const file = join(domainDir, 'vpasswd.cdb');
  replaceFile(file, buildCdb(records), uid, gid, join(domainDir, 'cdb.tmp'));
}

/** fgets(buf, 256) semantics: chunks of at most 255 bytes, newline-terminated lines. */
function* splitIntoReads(buf) {
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    if (end - start > 255) {
      yield buf.subarray(start, start + 255);
      start += 255;
      continue;
    }
    yield buf.subarray(start, end);
    start = end + 1;
  }
}

export function writeUsers(domainDir, users, uid, gid, { rebuild = true } = {}) {
  const file = vpasswdFile(domainDir);
  touchLock(join(domainDir, '.vpasswd'), uid, gid);
  replaceFile(file, users.map((u) => `${formatPw(u)}\n`).join(''), uid, gid);
  if (rebuild) rebuildCdb(domainDir, uid, gid);
}

/** Lookup through vpasswd.cdb; a missing cdb is rebuilt first. */
export function lookupUser(domainDir, name, uid, gid) {
  const file = join(domainDir, 'vpasswd.cdb');
  if (!existsSync(file)) {
    if (!existsSync(vpasswdFile(domainDir))) return undefined;
    rebuildCdb(domainDir, uid, gid);
  }
  const data = cdbGet(readFileSync(file), name);
  return data ? parsePw(name, data.toString()) : undefined;
}

/** Insert before the first name that compares greater (byte order). */
export function insertUser(users, pw) {
  const at = users.findIndex((u) => u.name > pw.name);
  if (at < 0) users.push(pw);
  else users.splice(at, 0, pw);
  return users;
}
