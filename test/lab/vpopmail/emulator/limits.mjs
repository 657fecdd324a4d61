// Domain limits: <domaindir>/.qmailadmin-limits, else ~vpopmail/etc/vlimits.default (spec 9);
// on a MySQL build with --enable-mysql-limits, a row of the `limits` table instead of the file.
import { join } from 'node:path';
import { config } from './config.mjs';
import { chown, readText } from './files.mjs';
import { statSync, chmodSync } from 'node:fs';
import { hexOf, lit, sql, usesMysql } from './mysql.mjs';

export const FLAG_KEYWORDS = [
  // [keyword, gid bit, vmoddomlimits -g letter, -S name], in the writer's order
  ['disable_pop', 0x02, 'p', 'NO_POP'],
  ['disable_imap', 0x08, 'i', 'NO_IMAP'],
  ['disable_dialup', 0x40, 'u', 'NO_DIALUP'],
  ['disable_password_changing', 0x01, 'd', 'NO_PASSWD_CHNG'],
  ['disable_webmail', 0x04, 'w', 'NO_WEBMAIL'],
  ['disable_external_relay', 0x20, 'r', 'NO_RELAY'],
  ['disable_smtp', 0x800, 's', 'NO_SMTP'],
  ['disable_spamassassin', 0x4000, 'c', 'NO_SPAMASSASSIN'],
  ['delete_spam', 0x8000, 'x', 'DEL_SPAM'],
  ['disable_maildrop', 0x40000, 'm', 'NO_MAILDROP'],
];

const NUMERIC = [
  ['maxpopaccounts', 'maxpopaccounts'],
  ['maxaliases', 'maxaliases'],
  ['maxforwards', 'maxforwards'],
  ['maxautoresponders', 'maxautoresponders'],
  ['maxmailinglists', 'maxmailinglists'],
  ['quota', 'diskquota'],
  ['maxmsgcount', 'maxmsgcount'],
  ['default_quota', 'defaultquota'],
  ['default_maxmsgcount', 'defaultmaxmsgcount'],
];
const PERMS = [
  ['perm_account', 'permAccount'],
  ['perm_alias', 'permAlias'],
  ['perm_forward', 'permForward'],
  ['perm_autoresponder', 'permAutoresponder'],
  ['perm_maillist', 'permMaillist'],
  ['perm_quota', 'permQuota'],
  ['perm_defaultquota', 'permDefaultquota'],
];

export const limitsFile = (domainDir) => join(domainDir, '.qmailadmin-limits');
export const defaultLimitsFile = () => join(config.vpopmailDir, 'etc', 'vlimits.default');

export function defaults() {
  const l = {
    maxpopaccounts: -1,
    maxaliases: -1,
    maxforwards: -1,
    maxautoresponders: -1,
    maxmailinglists: -1,
    diskquota: 0,
    maxmsgcount: 0,
    defaultquota: 0,
    defaultmaxmsgcount: 0,
    flags: new Set(),
    permAccount: 0,
    permAlias: 0,
    permForward: 0,
    permAutoresponder: 0,
    permMaillist: 0,
    permMaillistUsers: 0,
    permMaillistModerators: 0,
    permQuota: 0,
    permDefaultquota: 0,
  };
  return l;
}

export function parseLimits(text, base = defaults()) {
  const l = base;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [key, value] = line.split(/[\s:]+/, 2);
    const flag = FLAG_KEYWORDS.find((f) => f[0] === key);
    if (flag) {
      l.flags.add(key);
      continue;
    }
    const num = NUMERIC.find((n) => n[0] === key);
    if (num) {
      l[num[1]] = parseInt(value ?? '0', 10) || 0;
      continue;
    }
    if (key === 'perm_maillist') {
      const v = parseInt(value ?? '0', 10) || 0;
      l.permMaillist = v & 7;
      l.permMaillistUsers = (v >> 3) & 7;
      l.permMaillistModerators = (v >> 6) & 7;
      continue;
    }
    const perm = PERMS.find((p) => p[0] === key);
    if (perm) l[perm[1]] = parseInt(value ?? '0', 10) || 0;
  }
  return l;
}

/** --enable-mysql-limits: a domain's own limits are a row of the limits table. */
export const usesMysqlLimits = () => usesMysql() && config.mysqlLimits === true;

/** vmysql.c's limits columns and the fields they hold, in vset_limits' order. */
const LIMIT_NUMBERS = [
  'maxpopaccounts',
  'maxaliases',
  'maxforwards',
  'maxautoresponders',
  'maxmailinglists',
  'diskquota',
  'maxmsgcount',
  'defaultquota',
  'defaultmaxmsgcount',
];
const LIMIT_FLAGS = [
  ['disable_pop', 'disable_pop'],
  ['disable_imap', 'disable_imap'],
  ['disable_dialup', 'disable_dialup'],
  ['disable_passwordchanging', 'disable_password_changing'],
  ['disable_webmail', 'disable_webmail'],
  ['disable_relay', 'disable_external_relay'],
  ['disable_smtp', 'disable_smtp'],
  ['disable_spamassassin', 'disable_spamassassin'],
  ['delete_spam', 'delete_spam'],
  ['disable_maildrop', 'disable_maildrop'],
];
const LIMIT_PERMS = [
  ['perm_account', 'permAccount'],
  ['perm_alias', 'permAlias'],
  ['perm_forward', 'permForward'],
  ['perm_autoresponder', 'permAutoresponder'],
];
const LIMIT_COLUMNS = [
  ...LIMIT_NUMBERS,
  ...LIMIT_FLAGS.map((f) => f[0]),
  ...LIMIT_PERMS.map((p) => p[0]),
  'perm_maillist',
  'perm_quota',
  'perm_defaultquota',
];

/** vget_limits: the domain's row, or undefined when it has none. */
function limitsRow(domainName) {
  const [row] = sql([
    `SELECT ${LIMIT_COLUMNS.map(hexOf).join(', ')} FROM limits WHERE domain = ${lit(domainName)}`,
  ]);
  if (!row) return undefined;
  const v = new Map(LIMIT_COLUMNS.map((c, i) => [c, Number(row[i] ?? 0)]));
  const l = defaults();
  for (const n of LIMIT_NUMBERS) l[n] = v.get(n);
  for (const [col, key] of LIMIT_FLAGS) if (v.get(col)) l.flags.add(key);
  for (const [col, key] of LIMIT_PERMS) l[key] = v.get(col);
  // The table keeps the three list permissions together, as qmailadmin reads them.
  const list = v.get('perm_maillist');
  l.permMaillist = list & 7;
  l.permMaillistUsers = (list >> 3) & 7;
  l.permMaillistModerators = (list >> 6) & 7;
  l.permQuota = v.get('perm_quota');
  l.permDefaultquota = v.get('perm_defaultquota');
  return l;
}

/** vset_limits: REPLACE INTO limits, as vpopmail writes it. */
export function writeLimitsRow(domainName, l) {
  const values = [
    domainName,
    ...LIMIT_NUMBERS.map((n) => l[n]),
    ...LIMIT_FLAGS.map(([, key]) => (l.flags.has(key) ? 1 : 0)),
    ...LIMIT_PERMS.map(([, key]) => l[key]),
    l.permMaillist | (l.permMaillistUsers << 3) | (l.permMaillistModerators << 6),
    l.permQuota,
    l.permDefaultquota,
  ];
  sql([`REPLACE INTO limits (domain, ${LIMIT_COLUMNS.join(', ')}) VALUES (${values.map(lit).join(', ')})`], {
    write: true,
  });
}

/** vdel_limits. */
export function deleteLimitsRow(domainName) {
  sql([`DELETE FROM limits WHERE domain = ${lit(domainName)}`], { write: true });
}

/**
 * The domain's limits, or the defaults file, or undefined when neither exists. A limits file
 * written by root is handed to the domain (uid:gid, 0600) on its next read (spec 1).
 */
export function readDomainLimits(domain) {
  if (usesMysqlLimits()) {
    const row = limitsRow(domain.real);
    if (row) return row;
    const def = readText(defaultLimitsFile());
    return def === undefined ? undefined : parseLimits(def);
  }
  const file = limitsFile(domain.dir);
  const own = readText(file);
  if (own !== undefined) {
    const st = statSync(file);
    if (st.uid !== domain.uid || st.gid !== domain.gid || (st.mode & 0o777) !== 0o600) {
      chown(file, domain.uid, domain.gid);
      chmodSync(file, 0o600);
    }
    return parseLimits(own);
  }
  const def = readText(defaultLimitsFile());
  return def === undefined ? undefined : parseLimits(def);
}

/** The layout vmoddomlimits writes, including its bug: list-user and moderator bits land in perm_quota. */
export function formatLimits(l) {
  const lines = [
    `maxpopaccounts: ${l.maxpopaccounts}`,
    `maxaliases: ${l.maxaliases}`,
    `maxforwards: ${l.maxforwards}`,
    `maxautoresponders: ${l.maxautoresponders}`,
    `maxmailinglists: ${l.maxmailinglists}`,
    `quota: ${l.diskquota}`,
    `maxmsgcount: ${l.maxmsgcount}`,
    `default_quota: ${l.defaultquota}`,
    `default_maxmsgcount: ${l.defaultmaxmsgcount}`,
    ...FLAG_KEYWORDS.filter((f) => l.flags.has(f[0])).map((f) => f[0]),
    `perm_account: ${l.permAccount}`,
    `perm_alias: ${l.permAlias}`,
    `perm_forward: ${l.permForward}`,
    `perm_autoresponder: ${l.permAutoresponder}`,
    `perm_maillist: ${l.permMaillist}`,
    `perm_quota: ${l.permQuota | (l.permMaillistUsers << 3) | (l.permMaillistModerators << 6)}`,
    `perm_defaultquota: ${l.permDefaultquota}`,
  ];
  return lines.map((x) => `${x}\n`).join('');
}

/** The gid bits a domain imposes on its users. */
export function domainGidMask(l) {
  if (!l) return 0;
  let mask = 0;
  for (const [key, bit] of FLAG_KEYWORDS) if (l.flags.has(key)) mask |= bit;
  return mask;
}

/** What vadduser sets as a new user's quota from the limits. */
export function defaultUserQuota(l) {
  const q = l?.defaultquota ?? 0;
  const n = l?.defaultmaxmsgcount ?? 0;
  if (q && n) return `${q}S,${n}C`;
  if (q) return `${q}S`;
  if (n) return `${n}C`;
  return 'NOQUOTA';
}
