// The valias table of a build with --enable-valias (spec 11; vmysql.c 5.4.33): what valias and
// vdelivermail read and write there instead of .qmail files. Queries as vpopmail words them,
// without an ORDER BY where it has none: a delivery takes the lines in the order they went in.
import { hexOf as hex, lit, sql } from './mysql.mjs';

/** valias_select: the lines of one alias. */
export function aliasLines(alias, domain) {
  return sql([
    `SELECT ${hex('valias_line')} FROM valias WHERE alias = ${lit(alias)} AND domain = ${lit(domain)}`,
  ]).map(([line = '']) => line);
}

/** valias_select_all: every row of the domain, by alias. */
export function domainRows(domain) {
  return sql([
    `SELECT ${hex('alias')}, ${hex('valias_line')} FROM valias WHERE domain = ${lit(domain)} ORDER BY alias`,
  ]).map(([alias = '', line = '']) => ({ alias, line }));
}

/** valias_select_names. */
export function aliasNames(domain) {
  return sql([
    `SELECT DISTINCT ${hex('alias')} FROM valias WHERE domain = ${lit(domain)} ORDER BY alias`,
  ]).map(([alias = '']) => alias);
}

/** valias_insert: leading spaces go; the row goes in whether the domain exists or not. */
export function insertLine(alias, domain, line) {
  const kept = line.replace(/^ +/, '');
  sql(
    [`INSERT INTO valias (alias, domain, valias_line) VALUES (${[alias, domain, kept].map(lit).join(', ')})`],
    {
      write: true,
    },
  );
}

export function deleteAlias(alias, domain) {
  sql([`DELETE FROM valias WHERE alias = ${lit(alias)} AND domain = ${lit(domain)}`], { write: true });
}

export function deleteDomainRows(domain) {
  sql([`DELETE FROM valias WHERE domain = ${lit(domain)}`], { write: true });
}
