import { lstatSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { lower } from '../address.mjs';
import { printVersion, usage } from '../common.mjs';
import { config, domainsDir } from '../config.mjs';
import { release } from '../dir-control.mjs';
import { aliasesOf, listedDomains } from '../domains.mjs';
import { die, E } from '../errors.mjs';
import { removeFile } from '../files.mjs';
import { err, out } from '../io.mjs';
import { getopt } from '../getopt.mjs';
import {
  assignLine,
  hupQmailSend,
  removeAssign,
  removeRcpthost,
  removeVirtualdomain,
} from '../qmail-files.mjs';
import { forgetDomain } from '../userdb.mjs';

/** Only a line identical to what vpopmail would write is removed; a hand-edited one stays. */
const exactLine = (e) => assignLine(e.name, e.real, e.uid, e.gid, e.dir);

function dropControlLines(entries) {
  for (const e of entries) {
    removeRcpthost(e.name);
    removeVirtualdomain(e.name);
  }
  removeAssign(entries.map(exactLine).filter((l, i) => l === entries[i].line));
}

export default function vdeldomain(argv) {
  // This tool sets no umask: the domain counter it rewrites comes out 0644.
  process.umask(0o022);
  const { opts, operands, bad } = getopt('vdeldomain', argv, 'vf');
  if (bad) usage('vdeldomain', 0);
  let force = false;
  for (const { opt } of opts) {
    if (opt === 'v') printVersion();
    if (opt === 'f') force = true;
  }
  if (operands.length === 0) usage('vdeldomain', 0);
  const name = lower(operands[0]);
  const entry = listedDomains().find((e) => e.name === name);
  if (!entry) die(E.NO_DOMAIN);

  if (entry.name !== entry.real) {
    dropControlLines([entry]);
    hupQmailSend('vdeldomain');
    return;
  }
  const aliases = aliasesOf(entry.real);
  if (aliases.length > 0 && !force) {
    out('Warning: Alias domains exist:');
    for (const a of aliases) out(`   ${a.name}`);
    out('   use -f to force delete of domain and all aliases');
    return;
  }
  if (aliases.length > 0) {
    out('Warning: Alias domains deleted:');
    for (const a of aliases) out(`   ${a.name}`);
  }
  forgetDomain(entry);
  removeFile(join(entry.dir, '.qmailadmin-limits'));
  removeFile(join(entry.dir, '.dir-control'));
  try {
    if (lstatSync(entry.dir).isSymbolicLink()) unlinkSync(entry.dir);
    else rmSync(entry.dir, { recursive: true });
  } catch {
    err(`Warning: Failed to delete directory tree: ${entry.name}`);
  }
  if (entry.uid === config.uid) release(join(domainsDir(), '.dir-control'), config.uid, config.gid);
  dropControlLines([entry, ...aliases]);
  hupQmailSend('vdeldomain');
}
