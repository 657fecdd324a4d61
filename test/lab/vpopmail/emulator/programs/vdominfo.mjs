import { join } from 'node:path';
import process from 'node:process';
import { lower } from '../address.mjs';
import { printVersion, usage } from '../common.mjs';
import { readDirControl, writeDirControl } from '../dir-control.mjs';
import { aliasesOf, listedDomains, lookupDomain } from '../domains.mjs';
import { getopt } from '../getopt.mjs';
import { exit, out } from '../io.mjs';

/** vdominfo reads the counter and writes it back (0644: this tool sets no umask). */
function users(e) {
  const file = join(e.dir, '.dir-control');
  const s = readDirControl(file);
  writeDirControl(file, s, e.uid, e.gid);
  return s.cur;
}

function show(e, sel, nameLabel) {
  const count = users(e);
  if (sel.size === 0) {
    out(`domain: ${nameLabel}`);
    out(`uid:    ${e.uid}`);
    out(`gid:    ${e.gid}`);
    out(`dir:    ${e.dir}`);
    out(`users:  ${count}`);
    return;
  }
  if (sel.has('n')) out(nameLabel);
  if (sel.has('u')) out(String(e.uid));
  if (sel.has('g')) out(String(e.gid));
  if (sel.has('d')) out(e.dir);
  if (sel.has('t')) out(String(count));
  if (sel.has('r')) out(e.real);
}

export default function vdominfo(argv) {
  process.umask(0o022);
  const { opts, operands, bad } = getopt('vdominfo', argv, 'vanugdtr');
  if (bad) usage('vdominfo', 255);
  const sel = new Set();
  for (const { opt } of opts) {
    if (opt === 'v') printVersion();
    else if (opt !== 'a') sel.add(opt);
  }
  if (operands.length === 0) {
    const all = listedDomains();
    if (all.length === 0) {
      out('What now - Success');
      return;
    }
    for (const e of all) {
      const label = e.name === e.real ? e.name : `${e.name} (alias of ${e.real})`;
      show(e, sel, label);
      out('');
    }
    return;
  }
  const d = lookupDomain(lower(operands[0]));
  if (!d) {
    out('Invalid domain name');
    exit(245);
  }
  const real = { ...(lookupDomain(d.real) ?? d), name: d.real };
  show(real, sel, real.name);
  for (const a of aliasesOf(d.real)) out(`alias: ${a.name}`);
}
