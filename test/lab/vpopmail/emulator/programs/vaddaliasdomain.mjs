import process from 'node:process';
import { lower } from '../address.mjs';
import { printVersion, usage } from '../common.mjs';
import { lookupDomain } from '../domains.mjs';
import { exit, out, outRaw } from '../io.mjs';
import { getopt } from '../getopt.mjs';
import { addAssign, addRcpthost, addVirtualdomain, assignLine, hupQmailSend } from '../qmail-files.mjs';
import { USAGE } from '../usage.mjs';

export default function vaddaliasdomain(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt('vaddaliasdomain', argv, 'v');
  if (bad) usage('vaddaliasdomain', 255);
  for (const { opt } of opts) if (opt === 'v') printVersion();
  if (operands.length < 2) usage('vaddaliasdomain', 255);
  const [a, b] = [lower(operands[0]), lower(operands[1])];
  if (a === b) {
    out('Error: real domain and alias domain are the same!');
    outRaw(USAGE.vaddaliasdomain);
    exit(255);
  }
  const da = lookupDomain(a);
  const db = lookupDomain(b);
  if (da && db) {
    out('Error: Both domains already exist, unable to create alias.');
    exit(255);
  }
  if (!da && !db) {
    out(`Error: Neither '${a}' or '${b}'  exist, unable to create alias.`);
    exit(255);
  }
  const [named, alias] = da ? [da, b] : [db, a];
  const real = named.real === named.name ? named : lookupDomain(named.real);
  addAssign(assignLine(alias, real.real, real.uid, real.gid, real.dir));
  addRcpthost(alias);
  addVirtualdomain(alias);
  hupQmailSend('vaddaliasdomain');
}
