import process from 'node:process';
import { findUser, printVersion, usage } from '../common.mjs';
import { GID } from '../flags.mjs';
import { getopt } from '../getopt.mjs';
import { exit, out } from '../io.mjs';
import { md5crypt, randomPassword, randomSalt } from '../md5crypt.mjs';
import { listUsers, writeUsers } from '../userdb.mjs';

export default function vpasswd(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt('vpasswd', argv, 'vr');
  if (bad) usage('vpasswd', 255);
  let random = false;
  for (const { opt } of opts) {
    if (opt === 'v') printVersion();
    if (opt === 'r') random = true;
  }
  if (operands.length === 0) usage('vpasswd', 255);
  const u = findUser(operands[0]);
  let password = operands[1];
  if (random) password = randomPassword(8);
  // Unknown users and users who may not change their password get the same answer.
  if (!u.pw || u.pw.gid & GID.NO_PASSWD_CHNG) {
    out('Error: Illegal username');
    exit(255);
  }
  if (password === undefined) {
    out('Error: No password entered');
    exit(255);
  }
  const users = listUsers(u.domain).map((p) =>
    p.name === u.pw.name ? { ...p, passwd: md5crypt(password, randomSalt()), clear: password } : p,
  );
  writeUsers(u.domain, users);
  if (random) out(`Random password: ${password}`);
}
