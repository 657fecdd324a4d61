import process from 'node:process';
import { parseEmail, validUserChars } from '../address.mjs';
import { printVersion, usage } from '../common.mjs';
import { lookupDomain } from '../domains.mjs';
import { VError, status } from '../errors.mjs';
import { err, exit, out, outRaw } from '../io.mjs';
import { getopt } from '../getopt.mjs';
import { randomPassword } from '../md5crypt.mjs';
import { parseQuota } from '../quota.mjs';
import { USAGE } from '../usage.mjs';
import { addUser } from '../users.mjs';
import { lookupUser } from '../userdb.mjs';

export default function vadduser(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt('vadduser', argv, 'vq:c:e:nr::s');
  if (bad) usage('vadduser', 255);
  const o = {
    quota: undefined,
    gecos: undefined,
    encrypted: undefined,
    noPassword: false,
    random: undefined,
  };
  for (const { opt, arg } of opts) {
    if (opt === 'v') printVersion();
    else if (opt === 'q') o.quota = parseQuota(arg);
    else if (opt === 'c') o.gecos = arg;
    else if (opt === 'e') o.encrypted = arg;
    else if (opt === 'n') o.noPassword = true;
    else if (opt === 'r') o.random = arg ? Number(arg) || 8 : 8;
    else if (opt === 's') err('Warning: The -s option has been temporarily disabled.');
  }
  if (operands.length === 0) usage('vadduser', 255);
  const a = parseEmail(operands[0]);
  if (!validUserChars(a.user)) {
    err(`user invalid ${a.user}`);
    out('Error: Illegal username');
    exit(255);
  }
  if (!a.hasDomain) {
    out('You did not use a full email address for the user name');
    out('Only full email addresses should be used');
    exit(255);
  }
  const domain = lookupDomain(a.domain);
  if (!domain) {
    out('Error: Domain does not exist');
    exit(255);
  }
  if (lookupUser(domain, a.user)) {
    out('Error: User already exists');
    exit(255);
  }
  let password = operands[1];
  if (o.random !== undefined) password = randomPassword(o.random);
  if (password === undefined) {
    if (!o.noPassword && o.encrypted === undefined) {
      // A real build would prompt on the terminal; the lab has none, as if nothing was typed.
      out('Error: No password entered');
      outRaw(USAGE.vadduser);
      exit(255);
    }
    password = '';
  }
  try {
    addUser(domain, {
      name: a.user,
      password,
      gecos: o.gecos,
      quota: o.quota,
      encrypted: o.encrypted,
      noPassword: o.noPassword && o.encrypted === undefined,
    });
  } catch (e) {
    if (!(e instanceof VError)) throw e;
    out(`Error: ${e.message}`);
    exit(status(e.code));
  }
  if (o.random !== undefined) out(`Random password: ${password}`);
}
