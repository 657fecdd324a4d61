// The bucket counter shared by domains (per uid) and users (per domain): spec 4.2.
import { appendFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import process from 'node:process';
import { join } from 'node:path';
import { chown, readLines, readText, replaceFile, touchLock } from './files.mjs';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const fresh = () => ({
  cur: 0,
  levelCur: 0,
  levelMax: 3,
  start: [0, 0, 0],
  end: [61, 61, 61],
  mod: [0, 2, 4],
  index: [0, 0, 0],
  theDir: '',
});

/** Reads the 8-line file. Like the C reader, the third number of each triple comes from the second position. */
export function readDirControl(file) {
  const text = readText(file);
  if (text === undefined) return fresh();
  const l = text.split('\n');
  const triple = (s) => {
    const n = (s ?? '').trim().split(/\s+/).map(Number);
    return [n[0] || 0, n[1] || 0, n[1] || 0];
  };
  return {
    cur: Number(l[0]) || 0,
    levelCur: Number(l[1]) || 0,
    levelMax: Number(l[2]) || 0,
    start: triple(l[3]),
    end: triple(l[4]),
    mod: triple(l[5]),
    index: triple(l[6]),
    theDir: l[7] ?? '',
  };
}

export function writeDirControl(file, s, uid, gid) {
  const text = [
    s.cur,
    s.levelCur,
    s.levelMax,
    s.start.join(' '),
    s.end.join(' '),
    s.mod.join(' '),
    s.index.join(' '),
    s.theDir,
  ].join('\n');
  replaceFile(file, `${text}\n`, uid, gid);
}

/** The odometer step taken at every hundredth allocation. */
function advance(s) {
  if (s.theDir === '') {
    s.theDir = ALPHABET[0];
    s.levelCur = 0;
    s.index = [0, 0, 0];
    return;
  }
  const digits = s.theDir.split('/').map((c) => ALPHABET.indexOf(c));
  let i = digits.length - 1;
  for (;;) {
    digits[i] += 1;
    if (digits[i] < ALPHABET.length) break;
    digits[i] = 0;
    if (i === 0) {
      digits.push(0);
      break;
    }
    i -= 1;
  }
  s.levelCur = digits.length - 1;
  s.index = [digits[0] ?? 0, digits[1] ?? 0, digits[2] ?? 0];
  s.theDir = digits.map((d) => ALPHABET[d]).join('/');
}

/** Count one more entry; returns the bucket (relative, '' = the base itself). */
export function allocate(file, uid, gid) {
  const s = readDirControl(file);
  s.cur += 1;
  if (s.cur % 100 === 0) advance(s);
  writeDirControl(file, s, uid, gid);
  return s.theDir;
}

export function release(file, uid, gid) {
  if (!existsSync(file)) return;
  const s = readDirControl(file);
  if (s.cur > 0) s.cur -= 1;
  writeDirControl(file, s, uid, gid);
}

// Users only: buckets freed by vdeluser are reused first (.dir_control_free).

const freeFile = (domainDir) => join(domainDir, '.dir_control_free');

/** Created 0600 by its first writer; appended to in place afterwards. */
export function recordFreeBucket(domainDir, bucket) {
  const file = freeFile(domainDir);
  touchLock(file);
  appendFileSync(file, `${bucket}\n`);
}

/** Takes the first usable free bucket, or undefined. */
export function takeFreeBucket(domainDir) {
  const file = freeFile(domainDir);
  const lines = readLines(file);
  const at = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (at < 0) return undefined;
  const bucket = lines[at].trim();
  lines.splice(at, 1);
  const old = process.umask(0o022);
  try {
    // Rewritten under a 022 umask, keeping its owner.
    replaceFile(file, lines.map((l) => `${l}\n`).join(''), statSync(file).uid, statSync(file).gid);
  } finally {
    process.umask(old);
  }
  return bucket;
}

/** Allocate a user's place in a domain: a free bucket first, else the counter. */
export function allocateUserBucket(domainDir, uid, gid) {
  const control = join(domainDir, '.dir-control');
  const reused = takeFreeBucket(domainDir);
  if (reused !== undefined) {
    const s = readDirControl(control);
    if (s.cur !== 0) {
      s.cur += 1;
      writeDirControl(control, s, uid, gid);
    }
    return reused;
  }
  return allocate(control, uid, gid);
}

export function ensureBucketDir(base, bucket, uid, gid) {
  if (!bucket) return base;
  const path = join(base, bucket);
  if (!existsSync(path)) {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    chown(path, uid, gid);
  }
  return path;
}
