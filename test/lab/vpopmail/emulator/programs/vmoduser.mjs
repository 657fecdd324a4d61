import process from 'node:process';
import { lower, parseEmail } from '../address.mjs';
import { printVersion, usage } from '../common.mjs';
import { lookupDomain } from '../domains.mjs';
import { VMODUSER_LETTERS } from '../flags.mjs';
import { getopt } from '../getopt.mjs';
import { exit, out } from '../io.mjs';
import { md5crypt, randomSalt } from '../md5crypt.mjs';
import { parseQuota, resetMaildirsize } from '../quota.mjs';
import { listUsers, lookupUser, writeUsers } from '../userdb.mjs';

/** vpopmail removes a ':' by shifting left without moving the terminator: the last character repeats. */
function stripColons(s) {
  let r = s;
  while (r.includes(':')) {
    const i = r.indexOf(':');
    r = r.slice(0, i) + r.slice(i + 1) + r.at(-1);
  }
  return r;
}

export default function vmoduser(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt(
    'vmoduser',
    argv,
    'vnq:c:e:C:D:xdpswibora SEfFmu0123h'.replace(' ', ''),
  );
  if (bad) usage('vmoduser', 255);
  if (opts.some((o) => o.opt === 'h')) usage('vmoduser', 0);
  const change = { noRebuild: false, clearFlags: false, setFlags: 0 };
  for (const { opt, arg } of opts) {
    if (opt === 'v') printVersion();
    else if (opt === 'n') change.noRebuild = true;
    else if (opt === 'q') change.quota = parseQuota(arg);
    else if (opt === 'c') change.gecos = stripColons(arg);
    else if (opt === 'e') change.encrypted = arg;
    else if (opt === 'C') change.clear = arg;
    else if (opt === 'D') change.dir = arg;
    else if (opt === 'x') change.clearFlags = true;
    else if (opt in VMODUSER_LETTERS) {
      // The administrator bits are granted only by root.
      if ((opt === 'S' || opt === 'E') && process.getuid?.() !== 0) continue;
      change.setFlags |= VMODUSER_LETTERS[opt];
    }
  }
  if (operands.length === 0) usage('vmoduser', 255);
  const target = operands[0];

  const apply = (pw) => {
    if (change.gecos !== undefined) pw.gecos = change.gecos;
    if (change.encrypted !== undefined) pw.passwd = change.encrypted;
    if (change.clear !== undefined) {
      pw.passwd = md5crypt(change.clear, randomSalt());
      pw.clear = change.clear;
    }
    if (change.dir !== undefined) pw.dir = change.dir;
    if (change.clearFlags) pw.gid = 0;
    pw.gid |= change.setFlags;
    if (change.quota !== undefined) pw.quota = change.quota;
    return pw;
  };

  if (!target.includes('@')) {
    const domain = lookupDomain(lower(target));
    if (!domain) return;
    const users = listUsers(domain).map(apply);
    writeUsers(domain, users, { rebuild: !change.noRebuild });
    if (change.quota !== undefined)
      for (const u of users) resetMaildirsize(u.dir, u.quota, domain.uid, domain.gid);
    return;
  }
  const a = parseEmail(target);
  const domain = lookupDomain(a.domain);
  const found = domain && lookupUser(domain, a.user);
  if (!found) {
    out(`no such user ${a.user}@${a.domain}`);
    exit(255);
  }
  const users = listUsers(domain);
  const at = users.findIndex((u) => u.name === a.user);
  // The update starts from what the lookup returned (the cdb), as vpopmail's vauth_setpw does.
  const pw = apply(found);
  if (at >= 0) users[at] = pw;
  writeUsers(domain, users, { rebuild: !change.noRebuild });
  if (change.quota !== undefined) resetMaildirsize(pw.dir, pw.quota, domain.uid, domain.gid);
}
