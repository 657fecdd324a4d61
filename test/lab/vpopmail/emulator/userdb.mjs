// Where a domain's users live: vpasswd and vpasswd.cdb in the domain directory (cdb, the
// default build) or the `vpopmail` table (the MySQL backend, spec 11). The tools call these
// with the domain ({ real, uid, gid, dir }) and never see which.
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { config } from './config.mjs';
import { replaceFile } from './files.mjs';
import { hexOf, lit, sql, usesMysql, usesValiasTable } from './mysql.mjs';
import { deleteDomainRows } from './valias-table.mjs';
import { deleteLimitsRow, usesMysqlLimits } from './limits.mjs';
import * as cdb from './vpasswd.mjs';

const COLUMNS = [
  'pw_name',
  'pw_passwd',
  'pw_uid',
  'pw_gid',
  'pw_gecos',
  'pw_dir',
  'pw_shell',
  'pw_clear_passwd',
];
const SELECT = `SELECT ${COLUMNS.map(hexOf).join(', ')}`;

/**
 * Where a domain's users are: the one `vpopmail` table (--enable-many-domains, the default),
 * or, built with --disable-many-domains, a table per domain named as vauth_munch_domain names
 * it (`.` and `-` become `_`), created by vadddomain, without a pw_domain column.
 */
const manyDomains = () => config.manyDomains !== false;
const tableOf = (domain) => (manyDomains() ? 'vpopmail' : `\`${domain.real.replace(/[.-]/g, '_')}\``);
/** The rows of the domain, and more conditions: `WHERE …`. */
const whereDomain = (domain, ...more) => {
  const conds = [...(manyDomains() ? [`pw_domain = ${lit(domain.real)}`] : []), ...more];
  return conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
};
const PER_DOMAIN_LAYOUT = `(pw_name char(32) not null, pw_passwd char(40), pw_uid int, pw_gid int,
  pw_gecos char(48), pw_dir char(160), pw_shell char(20), pw_clear_passwd char(16), primary key (pw_name))`;

/** vauth_adddomain: the domain's own table, on a build with one per domain. */
export function createDomainTable(domain) {
  if (usesMysql() && !manyDomains())
    sql([`CREATE TABLE IF NOT EXISTS ${tableOf(domain)} ${PER_DOMAIN_LAYOUT}`], { write: true });
}

function fromRow([
  name = '',
  passwd = '',
  uid = '',
  gid = '0',
  gecos = '',
  dir = '',
  quota = '',
  clear = '',
]) {
  return { name, passwd, uid, gid: Number(gid) || 0, gecos, dir, quota, clear };
}

/** The columns `values` fills, in its order. */
const row = () =>
  `(pw_name, ${manyDomains() ? 'pw_domain, ' : ''}pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell, pw_clear_passwd)`;
const values = (domain, p) =>
  [
    p.name,
    ...(manyDomains() ? [domain.real] : []),
    p.passwd,
    Number(p.uid) || 0,
    p.gid,
    p.gecos,
    p.dir,
    p.quota,
    p.clear,
  ]
    .map(lit)
    .join(', ');

/** Every user of the domain: vpasswd's file order, or pw_name order from the table. */
export function listUsers(domain) {
  if (!usesMysql()) return cdb.listUsers(domain.dir);
  return sql([`${SELECT} FROM ${tableOf(domain)} ${whereDomain(domain)} ORDER BY pw_name`]).map(fromRow);
}

export function lookupUser(domain, name) {
  if (!usesMysql()) return cdb.lookupUser(domain.dir, name, domain.uid, domain.gid);
  const [found] = sql([`${SELECT} FROM ${tableOf(domain)} ${whereDomain(domain, `pw_name = ${lit(name)}`)}`]);
  return found ? fromRow(found) : undefined;
}

/** The domain's users become exactly these (cdb: vpasswd rewritten, the cdb rebuilt unless told). */
export function writeUsers(domain, users, { rebuild = true } = {}) {
  if (!usesMysql()) return cdb.writeUsers(domain.dir, users, domain.uid, domain.gid, { rebuild });
  const now = new Map(listUsers(domain).map((p) => [p.name, p]));
  const statements = [];
  for (const p of users) {
    const was = now.get(p.name);
    now.delete(p.name);
    if (was && JSON.stringify(was) === JSON.stringify({ ...p, uid: String(p.uid) })) continue;
    statements.push(`REPLACE INTO ${tableOf(domain)} ${row()} VALUES (${values(domain, p)})`);
  }
  for (const name of now.keys())
    statements.push(`DELETE FROM ${tableOf(domain)} ${whereDomain(domain, `pw_name = ${lit(name)}`)}`);
  if (statements.length > 0) sql(statements, { write: true });
}

/** vdeldomain: the domain's rows go with its directory. */
export function forgetDomain(domain) {
  if (!usesMysql()) return;
  sql(
    [
      manyDomains()
        ? `DELETE FROM vpopmail WHERE pw_domain = ${lit(domain.real)}`
        : `DROP TABLE IF EXISTS ${tableOf(domain)}`,
      `DELETE FROM lastauth WHERE domain = ${lit(domain.real)}`,
    ],
    { write: true },
  );
  if (usesValiasTable()) deleteDomainRows(domain.real);
  if (usesMysqlLimits()) deleteLimitsRow(domain.real);
}

/** vuserinfo -D reads vpasswd through a 300-byte buffer: an overlong line ends the listing (outputs §23). */
export function listingStopsEarly(domain) {
  if (usesMysql() || !existsSync(cdb.vpasswdFile(domain.dir))) return false;
  return readFileSync(cdb.vpasswdFile(domain.dir), 'utf8')
    .split('\n')
    .some((l) => Buffer.byteLength(l) >= 300);
}

/** The uid field vadduser writes: 1 on cdb, 0 (the APOP value) on MySQL (spec 11). */
export const newUserUidField = () => (usesMysql() ? '0' : '1');

/**
 * vadduser's record of a new user, with its "never logged in" mark: a vpasswd line and a
 * lastauth file of 0.0.0.0, or a row in each table (one round trip).
 */
export function addUserRecord(domain, pw) {
  if (!usesMysql()) {
    cdb.writeUsers(domain.dir, cdb.insertUser(cdb.listUsers(domain.dir), pw), domain.uid, domain.gid);
    return replaceFile(join(pw.dir, 'lastauth'), '0.0.0.0', domain.uid, domain.gid);
  }
  const created = [pw.name, domain.real, '0.0.0.0', Math.floor(Date.now() / 1000)].map(lit).join(', ');
  sql(
    [
      `INSERT INTO ${tableOf(domain)} ${row()} VALUES (${values(domain, pw)})`,
      `REPLACE INTO lastauth (user, domain, remote_ip, timestamp) VALUES (${created})`,
    ],
    { write: true },
  );
}

/** The last authentication: { ip, time } or undefined. */
export function lastAuth(domain, pw) {
  if (!usesMysql()) {
    const file = join(pw.dir, 'lastauth');
    if (!existsSync(file)) return undefined;
    return { ip: readFileSync(file, 'utf8').trim(), time: statSync(file).mtime };
  }
  const [row] = sql([
    `SELECT ${hexOf('remote_ip')}, ${hexOf('timestamp')} FROM lastauth WHERE user = ${lit(pw.name)} AND domain = ${lit(domain.real)}`,
  ]);
  if (!row) return undefined;
  return { ip: row[0] ?? '', time: new Date(Number(row[1]) * 1000) };
}
