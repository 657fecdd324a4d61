import process from 'node:process';
import { findUser, printVersion, usage } from '../common.mjs';
import { E, die } from '../errors.mjs';
import { getopt } from '../getopt.mjs';
import { deleteUser } from '../users.mjs';

export default function vdeluser(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt('vdeluser', argv, 'v');
  if (bad) usage('vdeluser', 255);
  for (const { opt } of opts) if (opt === 'v') printVersion();
  if (operands.length === 0) usage('vdeluser', 255);
  const u = findUser(operands[0]);
  if (!u.domain) die(E.NO_DOMAIN);
  if (!u.pw) die(E.NO_USER);
  // vpopmail's catch-all guard never matches the lines vadddomain writes (spec 5.5): no check.
  deleteUser(u.domain, u.pw.name);
}
