// The FreeBSD MD5 crypt ("$1$") that vpopmail uses when it encrypts a password itself.
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const md5 = (...parts) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

function to64(v, n) {
  let s = '';
  while (n-- > 0) {
    s += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return s;
}

export function md5crypt(password, salt) {
  const pw = Buffer.from(password);
  const sl = Buffer.from(salt.slice(0, 8));
  const magic = Buffer.from('$1$');
  let fin = md5(pw, sl, pw);
  const ctx = [pw, magic, sl];
  for (let pl = pw.length; pl > 0; pl -= 16) ctx.push(fin.subarray(0, Math.min(16, pl)));
  for (let i = pw.length; i; i >>= 1) ctx.push(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  fin = md5(...ctx);
  for (let i = 0; i < 1000; i++) {
    const parts = [];
    parts.push(i & 1 ? pw : fin);
    if (i % 3) parts.push(sl);
    if (i % 7) parts.push(pw);
    parts.push(i & 1 ? fin : pw);
    fin = md5(...parts);
  }
  const f = fin;
  const out =
    to64((f[0] << 16) | (f[6] << 8) | f[12], 4) +
    to64((f[1] << 16) | (f[7] << 8) | f[13], 4) +
    to64((f[2] << 16) | (f[8] << 8) | f[14], 4) +
    to64((f[3] << 16) | (f[9] << 8) | f[15], 4) +
    to64((f[4] << 16) | (f[10] << 8) | f[5], 4) +
    to64(f[11], 2);
  return `$1$${sl.toString()}$${out}`;
}

export function randomSalt() {
  return [...randomBytes(8)].map((b) => ITOA64[b & 0x3f]).join('');
}

/** vpopmail's random passwords draw from this set. */
export function randomPassword(len) {
  const set = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@!#%*';
  return [...randomBytes(len)].map((b) => set[b % set.length]).join('');
}
