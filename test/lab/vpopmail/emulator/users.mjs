// Adding and deleting a mailbox, shared by vadddomain (postmaster) and vadduser (spec 5.4, 5.5).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { allocateUserBucket, ensureBucketDir, recordFreeBucket, release } from './dir-control.mjs';
import { E, VError } from './errors.mjs';
import { chown } from './files.mjs';
import { defaultUserQuota, readDomainLimits } from './limits.mjs';
import { md5crypt, randomSalt } from './md5crypt.mjs';
import { resetMaildirsize } from './quota.mjs';
import { addUserRecord, listUsers, newUserUidField, writeUsers } from './userdb.mjs';

export const LIMITS = { user: 32, passwd: 128, gecos: 48, clear: 128, dir: 160, quota: 20 };

export function checkUserName(name) {
  if (name.length > LIMITS.user) throw new VError(E.USER_TOO_LONG);
  // users-big-dir makes one-character names illegal.
  if (name.length < 2) throw new VError(E.ILLEGAL_USERNAME);
}

/**
 * @param {{ real: string, uid: number, gid: number, dir: string }} domain
 * @param {{ name: string, password: string, gecos?: string, quota?: string, encrypted?: string, noPassword?: boolean }} u
 */
export function addUser(domain, u) {
  checkUserName(u.name);
  const gecos = u.gecos ?? u.name;
  if (gecos.includes(':')) throw new VError(E.BAD_CHAR);
  if (gecos.length > LIMITS.gecos) throw new VError(E.GECOS_TOO_LONG);
  if (u.password.length > LIMITS.clear) throw new VError(E.CLEAR_TOO_LONG);
  const limits = readDomainLimits(domain);
  if (!limits) throw new VError(E.NO_LIMITS);

  const bucket = allocateUserBucket(domain.dir, domain.uid, domain.gid);
  const parent = ensureBucketDir(domain.dir, bucket, domain.uid, domain.gid);
  const dir = join(parent, u.name);
  if (dir.length > LIMITS.dir) throw new VError(E.DIR_TOO_LONG);
  if (existsSync(dir)) throw new VError(E.USER_DIR_EXISTS);
  // vpopmail's make_user_dir answers any failed mkdir of the user's directory (a name holding
  // a slash, whose parent does not exist) with the same error as an existing one.
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    throw new VError(E.USER_DIR_EXISTS);
  }
  for (const d of [dir, join(dir, 'Maildir'), ...['cur', 'new', 'tmp'].map((s) => join(dir, 'Maildir', s))]) {
    if (d !== dir) mkdirSync(d, { mode: 0o700 });
    chown(d, domain.uid, domain.gid);
  }

  const pw = {
    name: u.name,
    passwd: u.noPassword ? '' : md5crypt(u.password, randomSalt()),
    uid: newUserUidField(),
    gid: 0,
    gecos,
    dir,
    quota: defaultUserQuota(limits),
    clear: u.noPassword ? '' : u.password,
  };
  if (u.encrypted !== undefined) {
    pw.passwd = u.encrypted;
    pw.clear = '';
  }
  if (u.quota !== undefined) pw.quota = u.quota;
  addUserRecord(domain, pw);
  resetMaildirsize(dir, pw.quota, domain.uid, domain.gid);
  return pw;
}

export function deleteUser(domain, name) {
  const users = listUsers(domain);
  const pw = users.find((u) => u.name === name);
  if (!pw) throw new VError(E.NO_USER);
  writeUsers(
    domain,
    users.filter((u) => u.name !== name),
  );
  const parent = dirname(pw.dir);
  const bucket = relative(domain.dir, parent);
  if (bucket && !bucket.startsWith('..') && parent !== domain.dir) recordFreeBucket(domain.dir, bucket);
  release(join(domain.dir, '.dir-control'), domain.uid, domain.gid);
  if (pw.dir) rmSync(pw.dir, { recursive: true, force: true });
}
