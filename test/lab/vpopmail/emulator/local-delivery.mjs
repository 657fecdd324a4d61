// qmail-local for the lab: home-directory checks (spec 12), .qmail file lookup (spec 6) and
// the three kinds of delivery line. Programs run as the domain's uid:gid, as under qmail-lspawn.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { chown, readText } from './files.mjs';
import { deliverToMaildir } from './maildir.mjs';
import { inject } from './queue.mjs';

const HARD = new Set([64, 65, 70, 76, 77, 78, 100, 112]);

/** .qmail-<ext>, then .qmail-<prefix>-default from the longest prefix, then .qmail-default. */
export function findDotQmail(home, ext) {
  const e = ext.toLowerCase().replaceAll('.', ':');
  if (e === '') return existsSync(join(home, '.qmail')) ? { file: join(home, '.qmail'), def: '' } : undefined;
  if (existsSync(join(home, `.qmail-${e}`))) return { file: join(home, `.qmail-${e}`), def: '' };
  for (let i = e.lastIndexOf('-'); i > 0; i = e.lastIndexOf('-', i - 1)) {
    const f = join(home, `.qmail-${e.slice(0, i)}-default`);
    if (existsSync(f)) return { file: f, def: ext.slice(i + 1) };
  }
  const f = join(home, '.qmail-default');
  return existsSync(f) ? { file: f, def: ext } : undefined;
}

function extParts(ext, domain) {
  const parts = {};
  let e = ext;
  for (const n of [2, 3, 4]) {
    const i = e.indexOf('-');
    e = i < 0 ? '' : e.slice(i + 1);
    parts[`EXT${n}`] = e;
  }
  const labels = domain.split('.');
  for (const n of [2, 3, 4])
    parts[`HOST${n}`] = labels.slice(0, Math.max(0, labels.length - n + 1)).join('.');
  return parts;
}

function runProgram(command, body, env, cwd, ids) {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], ...ids });
    const output = [];
    child.stdout.on('data', (d) => output.push(d));
    child.stderr.on('data', (d) => output.push(d));
    child.stdin.on('error', () => {});
    child.stdin.end(body);
    child.on('error', (e) => resolve({ code: 111, text: e.message }));
    child.on('close', (code) => resolve({ code: code ?? 111, text: Buffer.concat(output).toString() }));
  });
}

/**
 * @returns {Promise<{ code: 0|100|111, text: string }>} qmail-local's exit status and what it printed
 */
export async function qmailLocal({
  user,
  uid,
  gid,
  home,
  local,
  ext,
  domain,
  sender,
  aliasempty,
  body,
  dry = false,
}) {
  const st = statSync(home);
  if (st.mode & 0o002) return { code: 111, text: 'Uh-oh: home directory is writable. (#4.7.0)' };
  const notes = [];
  if (st.mode & 0o1000) {
    if (!dry)
      return { code: 111, text: 'Home directory is sticky: user is editing his .qmail file. (#4.2.1)' };
    notes.push('Warning: home directory is sticky.');
  }
  const recipient = `${local}@${domain}`;
  const rpline = `Return-Path: <${sender}>\n`;
  const dtline = `Delivered-To: ${recipient}\n`;
  const found = findDotQmail(home, ext);
  const lines = found ? (readText(found.file) ?? '').split('\n') : [aliasempty];
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...(process.env.VPOPMAIL_EMULATOR_CONFIG
      ? { VPOPMAIL_EMULATOR_CONFIG: process.env.VPOPMAIL_EMULATOR_CONFIG }
      : {}),
    USER: user,
    HOME: home,
    LOCAL: local,
    HOST: domain,
    RECIPIENT: recipient,
    SENDER: sender,
    NEWSENDER: sender,
    DTLINE: dtline,
    RPLINE: rpline,
    UFLINE: `From ${sender || 'MAILER-DAEMON'} ${new Date().toUTCString()}\n`,
    EXT: ext,
    DEFAULT: found?.def ?? '',
    ...extParts(ext, domain),
  };
  const ids = process.getuid?.() === 0 && uid !== undefined ? { uid, gid } : {};
  const counts = { files: 0, forwards: 0, programs: 0 };
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('|')) {
      counts.programs += 1;
      if (dry) {
        notes.push(`program ${line.slice(1)}`);
        continue;
      }
      const r = await runProgram(line.slice(1), body, env, home, ids);
      if (r.text) notes.push(r.text.trimEnd());
      if (r.code === 0) continue;
      if (r.code === 99) break;
      return { code: HARD.has(r.code) ? 100 : 111, text: notes.join('\n') };
    } else if (line.startsWith('/') || line.startsWith('.')) {
      counts.files += 1;
      if (dry || !line.endsWith('/')) continue;
      const maildir = line.startsWith('.') ? join(home, line) : line;
      const name = deliverToMaildir(maildir, Buffer.concat([Buffer.from(rpline + dtline), body]));
      if (ids.uid !== undefined) chown(join(maildir, 'new', name), uid, gid);
    } else {
      counts.forwards += 1;
      if (dry) continue;
      inject({
        sender,
        recipients: [line.replace(/^&/, '')],
        message: Buffer.concat([Buffer.from(dtline), body]),
      });
    }
  }
  notes.push(`did ${counts.files}+${counts.forwards}+${counts.programs}`);
  return { code: 0, text: notes.join('\n') };
}
