// Quota strings (spec 4.8) and Maildir++ maildirsize (4.7).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chown, readText, removeFile, replaceFile } from './files.mjs';

/** vpopmail's format_maildirquota: NOQUOTA kept, else `<bytes>S`, `<n>C`, both, or ''. */
export function parseQuota(q) {
  if (q === 'NOQUOTA') return q;
  let size = 0;
  let count = 0;
  for (const part of q.split(',')) {
    if (part.endsWith('C')) {
      count = parseInt(part, 10) || 0;
      continue;
    }
    let p = part.replace(/[Ss]$/, '').replace(/[Bb]$/, '');
    let mult = 1;
    if (/[Mm]$/.test(p)) mult = 1048576;
    else if (/[Kk]$/.test(p)) mult = 1024;
    if (mult !== 1) p = p.slice(0, -1);
    size = Math.trunc((parseFloat(p) || 0) * mult);
  }
  if (size && count) return `${size}S,${count}C`;
  if (size) return `${size}S`;
  if (count) return `${count}C`;
  return '';
}

function quotaLimits(q) {
  let bytes = 0;
  let count = 0;
  for (const part of q.split(',')) {
    if (part.endsWith('C')) count = parseInt(part, 10) || 0;
    else if (part.endsWith('S')) bytes = parseInt(part, 10) || 0;
  }
  return { bytes, count };
}

/** Bytes and messages in cur/ and new/ of the Maildir and every folder except .Trash. */
export function countMaildir(maildir) {
  let bytes = 0;
  let count = 0;
  const folders = [maildir];
  try {
    for (const e of readdirSync(maildir, { withFileTypes: true }))
      if (
        e.isDirectory() &&
        e.name.startsWith('.') &&
        e.name !== '.Trash' &&
        e.name !== '..' &&
        e.name !== '.'
      )
        folders.push(join(maildir, e.name));
  } catch {
    return { bytes, count };
  }
  for (const f of folders) {
    for (const sub of ['cur', 'new']) {
      let names;
      try {
        names = readdirSync(join(f, sub));
      } catch {
        continue;
      }
      for (const n of names) {
        const m = /,S=(\d+)/.exec(n);
        bytes += m ? Number(m[1]) : statSync(join(f, sub, n)).size;
        count += 1;
      }
    }
  }
  return { bytes, count };
}

/** Deleted and recreated with a fresh count; NOQUOTA (or no quota) just deletes it. */
export function resetMaildirsize(userDir, quota, uid, gid) {
  const maildir = join(userDir, 'Maildir');
  const file = join(maildir, 'maildirsize');
  removeFile(file);
  if (quota === 'NOQUOTA' || quota === '' || !existsSync(maildir)) return;
  const { bytes, count } = countMaildir(maildir);
  replaceFile(file, `${quota}\n${bytes} ${count}\n`, uid, gid);
  chown(file, uid, gid);
}

/** The figure vuserinfo prints: the higher of the size and count percentages. */
export function usagePercent(userDir, quota) {
  const text = readText(join(userDir, 'Maildir', 'maildirsize'));
  let bytes = 0;
  let count = 0;
  if (text !== undefined) {
    for (const line of text.split('\n').slice(1)) {
      const [b, c] = line.trim().split(/\s+/).map(Number);
      if (Number.isFinite(b)) bytes += b;
      if (Number.isFinite(c)) count += c;
    }
  }
  const lim = quotaLimits(quota);
  const pb = lim.bytes ? Math.trunc((bytes * 100) / lim.bytes) : 0;
  const pc = lim.count ? Math.trunc((count * 100) / lim.count) : 0;
  return Math.max(pb, pc);
}

export function overQuota(userDir, quota, incoming) {
  if (quota === 'NOQUOTA' || quota === '') return false;
  const lim = quotaLimits(quota);
  const text = readText(join(userDir, 'Maildir', 'maildirsize'));
  let bytes = 0;
  let count = 0;
  if (text !== undefined)
    for (const line of text.split('\n').slice(1)) {
      const [b, c] = line.trim().split(/\s+/).map(Number);
      if (Number.isFinite(b)) bytes += b;
      if (Number.isFinite(c)) count += c;
    }
  else ({ bytes, count } = countMaildir(join(userDir, 'Maildir')));
  return (lim.bytes && bytes + incoming > lim.bytes) || (lim.count && count + 1 > lim.count);
}
