import process from 'node:process';
import { lower } from '../address.mjs';
import { lookupDomain } from '../domains.mjs';
import { E, die } from '../errors.mjs';
import { exit, out } from '../io.mjs';
import { usesMysql } from '../mysql.mjs';
import { rebuildCdb } from '../vpasswd.mjs';

export default function vmkpasswd(argv) {
  process.umask(0o077);
  if (usesMysql()) {
    out('vmkpasswd: is only needed by the cdb authentication module');
    return;
  }
  if (argv.length === 0) {
    out('vmkpasswd: usage: [options] domain_name');
    exit(255);
  }
  const domain = lookupDomain(lower(argv.at(-1)));
  if (!domain) die(E.NO_DOMAIN);
  rebuildCdb(domain.dir, domain.uid, domain.gid);
}
