// vpopmail's MySQL backend (spec 11) against the host's real MariaDB server, through its
// `mysql` client: the credentials of ~vpopmail/etc/vpopmail.mysql (line 1 reads, an optional
// line 2 writes: `host|port|user|password|database`), the tables created on first use as
// vpopmail creates them. Values travel as hex literals and come back as HEX(), so any byte
// survives both ways without quoting. The connection is latin1, as vpopmail 5.4's C client's
// is by default: a name's bytes (UTF-8 or not) go into the server's utf8mb4 columns and come
// back unchanged, as on a real installation. How the server treats a value wider than its
// column (cut, or refused) is the server's sql_mode, as on a real installation.
import { spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { config } from './config.mjs';
import { E, VError } from './errors.mjs';
import { err } from './io.mjs';

export const usesMysql = () => config.backend === 'mysql';
/** --enable-valias: aliases are rows of the valias table (spec 11), not .qmail files. */
export const usesValiasTable = () => usesMysql() && config.valias === true;
const usesLimitsTable = () => usesMysql() && config.mysqlLimits === true;

/** vmysql.h's layouts (5.4.33), --enable-many-domains: one table for every domain. */
const TABLES = [
  `CREATE TABLE IF NOT EXISTS vpopmail (pw_name char(32) not null, pw_domain char(96) not null,
    pw_passwd char(40), pw_uid int, pw_gid int, pw_gecos char(48), pw_dir char(160),
    pw_shell char(20), pw_clear_passwd char(16), primary key (pw_name, pw_domain))`,
  `CREATE TABLE IF NOT EXISTS lastauth (user char(32) not null, domain char(96) not null,
    remote_ip char(18) not null, timestamp bigint default 0 not null, primary key (user, domain))`,
];
/** vmysql.h 5.4.33: no key of its own; rows come back in the order they went in. */
const VALIAS_TABLE = `CREATE TABLE IF NOT EXISTS valias (alias char(32) not null, domain char(96) not null,
    valias_line text not null, index (alias, domain))`;
/** vmysql.h 5.4.33, --enable-mysql-limits. */
const LIMITS_TABLE = `CREATE TABLE IF NOT EXISTS limits (domain CHAR(96) PRIMARY KEY,
    maxpopaccounts INT(10) NOT NULL DEFAULT -1, maxaliases INT(10) NOT NULL DEFAULT -1,
    maxforwards INT(10) NOT NULL DEFAULT -1, maxautoresponders INT(10) NOT NULL DEFAULT -1,
    maxmailinglists INT(10) NOT NULL DEFAULT -1, diskquota BIGINT UNSIGNED NOT NULL DEFAULT 0,
    maxmsgcount BIGINT UNSIGNED NOT NULL DEFAULT 0, defaultquota BIGINT UNSIGNED NOT NULL DEFAULT 0,
    defaultmaxmsgcount BIGINT UNSIGNED NOT NULL DEFAULT 0, disable_pop TINYINT(1) NOT NULL DEFAULT 0,
    disable_imap TINYINT(1) NOT NULL DEFAULT 0, disable_dialup TINYINT(1) NOT NULL DEFAULT 0,
    disable_passwordchanging TINYINT(1) NOT NULL DEFAULT 0, disable_webmail TINYINT(1) NOT NULL DEFAULT 0,
    disable_relay TINYINT(1) NOT NULL DEFAULT 0, disable_smtp TINYINT(1) NOT NULL DEFAULT 0,
    disable_spamassassin TINYINT(1) NOT NULL DEFAULT 0, delete_spam TINYINT(1) NOT NULL DEFAULT 0,
    disable_maildrop TINYINT(1) NOT NULL DEFAULT 0, perm_account TINYINT(2) NOT NULL DEFAULT 0,
    perm_alias TINYINT(2) NOT NULL DEFAULT 0, perm_forward TINYINT(2) NOT NULL DEFAULT 0,
    perm_autoresponder TINYINT(2) NOT NULL DEFAULT 0, perm_maillist TINYINT(4) NOT NULL DEFAULT 0,
    perm_quota TINYINT(2) NOT NULL DEFAULT 0, perm_defaultquota TINYINT(2) NOT NULL DEFAULT 0)`;

/**
 * load_connection_info (vmysql.c): the first non-comment line for reads, the next for writes;
 * fields split as strtok splits them (a run of `|` is one separator); a second field that
 * starts with / is a socket, else a port.
 */
function connection(write) {
  const lines = readFileSync(join(config.vpopmailDir, 'etc', 'vpopmail.mysql'), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
  const line = (write ? lines[1] : undefined) ?? lines[0] ?? '';
  const [host = 'localhost', second = '0', user = '', password = '', database = ''] = line
    .split('|')
    .filter(Boolean);
  const socket = second.startsWith('/') ? second : undefined;
  return { host, port: socket ? '0' : second, socket, user, password, database };
}

/**
 * A column as sql() reads it back: its bytes in the connection's latin1, as hex. Through CAST:
 * HEX() of a number is the number in hexadecimal, not its digits' bytes.
 */
export const hexOf = (column) => `HEX(CONVERT(CAST(${column} AS CHAR) USING latin1))`;

/** A value as an SQL literal: NULL, a number, or the bytes of a string as hex. */
export function lit(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(Math.trunc(v));
  const hex = Buffer.from(String(v)).toString('hex');
  return hex === '' ? "''" : `_latin1 X'${hex}'`;
}

/**
 * Runs statements; returns the rows of the last one that has any, each column read back from
 * HEX() (the caller selects HEX(col)). A failure is vpopmail's: its words on stderr, then
 * the tool's error (no connection: -23; a refused write: "Could not update file").
 */
export function sql(statements, { write = false } = {}) {
  const c = connection(write);
  const args = ['--batch', '--skip-column-names', '--default-character-set=latin1', '-u', c.user, c.database];
  args.push('-h', c.host);
  if (c.socket) args.push('-S', c.socket);
  else if (c.port !== '0') args.push('-P', c.port);
  const r = spawnSync('mysql', args, {
    input: [
      ...TABLES,
      ...(usesValiasTable() ? [VALIAS_TABLE] : []),
      ...(usesLimitsTable() ? [LIMITS_TABLE] : []),
      ...statements,
    ]
      .map((s) => `${s};\n`)
      .join(''),
    env: { ...process.env, MYSQL_PWD: c.password },
    encoding: 'utf8',
    // A domain of thousands of users is megabytes of hex (the default buffer is 1 MiB).
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) {
    // The client's own line (ERROR nnnn …), as mysql_error() gives vpopmail; never the
    // statement the client echoes above it, which holds the values.
    const why =
      (r.stderr ?? '').split('\n').find((l) => l.startsWith('ERROR')) ?? r.error?.message ?? 'mysql failed';
    err(`vmysql: sql error: ${why}`);
    throw new VError(
      /ERROR 2002|ERROR 1045|Can't connect/.test(why) ? E.NO_AUTH_CONNECTION : E.UPDATE_FAILED,
    );
  }
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').map((h) => (h === 'NULL' ? undefined : Buffer.from(h, 'hex').toString())));
}
