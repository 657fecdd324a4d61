import process from 'node:process';
import { lower } from '../address.mjs';
import { findUser, printVersion, usage } from '../common.mjs';
import { lookupDomain } from '../domains.mjs';
import { E, die } from '../errors.mjs';
import { getopt } from '../getopt.mjs';
import { parseQuota, resetMaildirsize } from '../quota.mjs';
import { listUsers, writeUsers } from '../userdb.mjs';

export default function vsetuserquota(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt('vsetuserquota', argv, 'v');
  if (bad) usage('vsetuserquota', 255);
  for (const { opt } of opts) if (opt === 'v') printVersion();
  if (operands.length < 2) usage('vsetuserquota', 255);
  const quota = parseQuota(operands[1].toUpperCase());
  const target = operands[0];
  if (!target.includes('@')) {
    const domain = lookupDomain(lower(target));
    if (!domain) die(E.NO_DOMAIN);
    const users = listUsers(domain).map((u) => ({ ...u, quota }));
    writeUsers(domain, users);
    for (const u of users) resetMaildirsize(u.dir, quota, domain.uid, domain.gid);
    return;
  }
  const u = findUser(target);
  if (!u.domain) die(E.NO_DOMAIN);
  if (!u.pw) die(E.NO_USER);
  const users = listUsers(u.domain).map((p) => (p.name === u.pw.name ? { ...p, quota } : p));
  writeUsers(u.domain, users);
  resetMaildirsize(u.pw.dir, quota, u.domain.uid, u.domain.gid);
}
