import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { lower, parseEmail } from '../address.mjs';
import { printVersion } from '../common.mjs';
import { lookupDomain } from '../domains.mjs';
import { chown } from '../files.mjs';
import { getopt } from '../getopt.mjs';
import { err, exit, out, outRaw } from '../io.mjs';
import { usesValiasTable } from '../mysql.mjs';
import { USAGE } from '../usage.mjs';
import * as table from '../valias-table.mjs';
import { VError } from '../errors.mjs';

/** valias reads and writes through a 160-byte buffer (spec 5.11). */
const CHUNK = 159;

const fileFor = (domainDir, alias) => join(domainDir, `.qmail-${alias.replaceAll('.', ':')}`);
const INVALID = 'invalid domain, not in qmail assign file';

function chunks(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pieces = [];
  for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) {
    if (line.length <= CHUNK) pieces.push(line);
    else for (let i = 0; i < line.length; i += CHUNK) pieces.push(line.slice(i, i + CHUNK));
  }
  return pieces;
}

/** The alias files of a domain, as valias sees them, in case-insensitive name order. */
function aliasNames(domainDir) {
  const names = [];
  for (const f of readdirSync(domainDir)) {
    if (!f.startsWith('.qmail-') || f === '.qmail-default') continue;
    const name = f.slice('.qmail-'.length).replaceAll(':', '.');
    if (
      lstatSync(join(domainDir, f)).isSymbolicLink() &&
      (name.includes('-default') || name.includes('-owner'))
    )
      continue;
    names.push(name);
  }
  return names.sort((a, b) => {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export default function valias(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt('valias', argv, 'vsndi:');
  if (bad) {
    outRaw(USAGE.valias);
    exit(254);
  }
  let mode = 's';
  let line;
  for (const { opt, arg } of opts) {
    if (opt === 'v') printVersion();
    else if (opt === 'i') {
      mode = 'i';
      line = arg;
    } else mode = opt;
  }
  if (operands.length === 0) {
    outRaw(USAGE.valias);
    err('must supply alias email address');
    exit(255);
  }
  const target = operands[0];
  const isAddress = target.includes('@');

  if (mode === 'n' && isAddress) {
    err('Please enter domain name only.');
    exit(255);
  }
  const a = isAddress ? parseEmail(target) : { user: '', domain: lower(target) };
  if (usesValiasTable()) return sqlValias(mode, a, isAddress, line);
  const domain = lookupDomain(a.domain);
  if (!domain) {
    out(INVALID);
    if (mode === 'i') {
      out(INVALID);
      return;
    }
    if (mode === 'd') return;
    exit(255);
  }
  const realName = domain.real;

  if (mode === 'i') {
    if (line.length >= CHUNK + 1) return; // silently not written, as the real tool does
    const file = fileFor(domain.dir, a.user);
    const existing = chunks(file) ?? [];
    if (existing.includes(line)) {
      err(`Error: alias ${a.user}@${a.domain} -> ${line} already exists.`);
      exit(255);
    }
    const created = !existsSync(file);
    writeFileSync(file, `${line}\n`, { flag: 'a' });
    if (created) chown(file, domain.uid, domain.gid);
    return;
  }
  if (mode === 'd') {
    rmSync(fileFor(domain.dir, a.user), { force: true });
    return;
  }
  if (isAddress) {
    const lines = chunks(fileFor(domain.dir, a.user));
    if (!lines || lines.length === 0) exit(255);
    for (const l of lines) out(`${a.user}@${realName} -> ${l}`);
    return;
  }
  const names = aliasNames(domain.dir);
  if (mode === 'n') {
    if (names.length === 0) exit(255);
    for (const n of names) out(n);
    return;
  }
  let printed = 0;
  for (const n of names) {
    const lines = chunks(fileFor(domain.dir, n)) ?? [];
    // An empty file ends the listing: the reader takes "no line" for "no more aliases".
    if (lines.length === 0) break;
    for (const l of lines) {
      out(`${n}@${realName} -> ${l}`);
      printed += 1;
    }
  }
  if (printed === 0) exit(255);
}

/** AliasLine[MAX_BUFF] (300) in valias.c: snprintf keeps 299 characters. */
const SQL_LINE = 299;

/**
 * valias on --enable-valias (valias.c with vmysql.c, 5.4.33): rows of the valias table, keyed
 * by the domain as written (no users/assign lookup), listed by alias. A failed insert is
 * reported by vmysql on stderr and valias still exits 0, as the real one ignores it.
 */
function sqlValias(mode, a, isAddress, line) {
  if (mode === 'i') {
    const wanted = line.slice(0, SQL_LINE);
    if (table.aliasLines(a.user, a.domain).includes(wanted)) {
      err(`Error: alias ${a.user}@${a.domain} -> ${wanted} already exists.`);
      exit(255);
    }
    try {
      table.insertLine(a.user, a.domain, wanted);
    } catch (e) {
      if (!(e instanceof VError)) throw e;
    }
    return;
  }
  if (mode === 'd') {
    table.deleteAlias(a.user, a.domain);
    return;
  }
  if (mode === 'n') {
    const names = table.aliasNames(a.domain);
    if (names.length === 0) exit(255);
    for (const n of names) out(n);
    return;
  }
  const rows = isAddress
    ? table.aliasLines(a.user, a.domain).map((l) => ({ alias: a.user, line: l }))
    : table.domainRows(a.domain);
  if (rows.length === 0) exit(255);
  for (const r of rows) out(`${r.alias}@${a.domain} -> ${r.line}`);
}
