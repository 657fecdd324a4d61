import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { lower, validDomainName } from '../address.mjs';
import { printVersion, usage } from '../common.mjs';
import { config, domainsDir } from '../config.mjs';
import { allocate, ensureBucketDir } from '../dir-control.mjs';
import { lookupDomain } from '../domains.mjs';
import { E, VError, die, status } from '../errors.mjs';
import { chown, replaceFile } from '../files.mjs';
import { exit, out } from '../io.mjs';
import { getopt } from '../getopt.mjs';
import { randomPassword } from '../md5crypt.mjs';
import {
  addAssign,
  addRcpthost,
  addVirtualdomain,
  assignLine,
  hupQmailSend,
  removeFromLocals,
} from '../qmail-files.mjs';
import { parseQuota } from '../quota.mjs';
import { createDomainTable } from '../userdb.mjs';
import { addUser } from '../users.mjs';

function passwdEntry(match) {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (match(f)) return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
    }
  } catch {
    // no passwd file: no entry
  }
  return undefined;
}

/** The domain counter belongs to the owning uid: ~vpopmail's for vpopmail, else that user's home. */
function counterFile(uid) {
  if (uid === config.uid) return join(domainsDir(), '.dir-control');
  const entry = passwdEntry((f) => Number(f[2]) === uid);
  return entry ? join(entry.home, 'domains', '.dir-control') : undefined;
}

export default function vadddomain(argv) {
  process.umask(0o077);
  const { opts, operands, bad } = getopt('vadddomain', argv, 'vq:be:u:d:i:g:Or::');
  if (bad) usage('vadddomain', 0);
  let quota;
  let catchall;
  let base;
  let uid = config.uid;
  let gid = config.gid;
  let optimize = false;
  let random;
  for (const { opt, arg } of opts) {
    if (opt === 'v') printVersion();
    else if (opt === 'q') quota = parseQuota(arg);
    else if (opt === 'e') catchall = arg;
    else if (opt === 'u') {
      const entry = passwdEntry((f) => f[0] === arg);
      if (entry) {
        uid = entry.uid;
        gid = entry.gid;
        base ??= entry.home;
      }
    } else if (opt === 'd') base = arg;
    else if (opt === 'i') uid = Number(arg);
    else if (opt === 'g') gid = Number(arg);
    else if (opt === 'O') optimize = true;
    else if (opt === 'r') random = arg ? Number(arg) || 8 : 8;
  }
  if (operands.length === 0) usage('vadddomain', 0);
  const domain = lower(operands[0]);
  if (lookupDomain(domain)) die(E.DOMAIN_EXISTS);
  if (domain.length > 96) die(E.DOMAIN_TOO_LONG);
  if (!validDomainName(domain)) die(E.BAD_DOMAIN);
  let password = operands[1];
  if (random !== undefined) password = randomPassword(random);
  if (password === undefined) {
    // A real build would prompt on the terminal; the lab has none.
    out('Error: No password entered');
    exit(255);
  }

  const root = base ? join(base, 'domains') : domainsDir();
  if (!existsSync(root)) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    chown(root, uid, gid);
  }
  const counter = counterFile(uid);
  const bucket = counter ? allocate(counter, config.uid, config.gid) : '';
  const parent = ensureBucketDir(root, bucket, uid, gid);
  const dir = join(parent, domain);
  if (existsSync(dir)) die(-14);
  mkdirSync(dir, { mode: 0o700 });
  chown(dir, uid, gid);
  const delivermail = join(config.vpopmailDir, 'bin', 'vdelivermail');
  replaceFile(join(dir, '.qmail-default'), `| ${delivermail} '' bounce-no-mailbox\n`, uid, gid);

  addAssign(assignLine(domain, domain, uid, gid, dir));
  addRcpthost(domain, { optimize });
  addVirtualdomain(domain);
  removeFromLocals(domain);
  if (!optimize) hupQmailSend('vadddomain');

  try {
    createDomainTable({ real: domain });
    addUser({ real: domain, uid, gid, dir }, { name: 'postmaster', password, gecos: 'Postmaster', quota });
  } catch (e) {
    if (!(e instanceof VError)) throw e;
    out(`Error: (vadduser) ${e.message}`);
    exit(status(e.code));
  }
  if (catchall !== undefined) {
    const target = catchall.includes('@') ? catchall : join(dir, catchall);
    replaceFile(join(dir, '.qmail-default'), `| ${delivermail} '' ${target}\n`, uid, gid);
  }
  if (random !== undefined) out(`Random password: ${password}`);
}
