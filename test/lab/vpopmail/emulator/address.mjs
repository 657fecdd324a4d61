// Address parsing and the name rules shared by every tool (spec 2.1).
import { readText } from './files.mjs';
import { config } from './config.mjs';
import { join } from 'node:path';
import process from 'node:process';

/** vpopmail lowercases in place, and silently truncates at 156 characters. */
export const lower = (s) => s.slice(0, 156).toLowerCase();

export function defaultDomain() {
  const env = process.env.VPOPMAIL_DOMAIN;
  if (env) return env.replace(/[^A-Za-z0-9_.@-]/g, '_');
  const file = readText(join(config.vpopmailDir, 'etc', 'defaultdomain'));
  return file ? (file.split('\n')[0] ?? '').trim() : '';
}

/** `user@domain` (also `%` or `/`), lowercased. `hasDomain` tells whether a domain part was typed. */
export function parseEmail(arg) {
  const s = lower(arg);
  for (const sep of ['@', '%', '/']) {
    const i = s.indexOf(sep);
    if (i >= 0) return { user: s.slice(0, i), domain: s.slice(i + 1), hasDomain: true };
  }
  return { user: s, domain: defaultDomain(), hasDomain: false };
}

const USER_CHARS = /^[!#$&'*+\-./0-9=?A-Z^_`a-z{|}~]+$/;

export const validUserChars = (u) => USER_CHARS.test(u);

export function validDomainName(d) {
  return /^[A-Za-z0-9.-]+$/.test(d) && !d.startsWith('-') && !d.endsWith('-') && d.length >= 3;
}
