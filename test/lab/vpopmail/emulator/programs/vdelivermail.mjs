// The vpopmail delivery agent run from .qmail-default (spec 5.13).
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { lower } from '../address.mjs';
import { qmailPath, domainsDir } from '../config.mjs';
import { lookupDomain } from '../domains.mjs';
import { readText } from '../files.mjs';
import { GID } from '../flags.mjs';
import { exit, out, outRaw, readStdin } from '../io.mjs';
import { deliverToMaildir, ensureMaildir } from '../maildir.mjs';
import { overQuota } from '../quota.mjs';
import { usesValiasTable } from '../mysql.mjs';
import { lookupUser } from '../userdb.mjs';
import { aliasLines } from '../valias-table.mjs';

/** A custom bounce text from the domain, else the site, else the built-in one. */
function message(domainDir, file, fallback) {
  return (readText(join(domainDir, file)) ?? readText(join(domainsDir(), file)) ?? fallback).trimEnd();
}

function forward(address, msg) {
  const r = spawnSync(qmailPath('bin', 'qmail-inject'), ['--', address], { input: msg });
  if (r.status !== 0) {
    out(`vdelivermail: qmail-inject failed for ${address}`);
    exit(111);
  }
}

function toMaildir(maildir, msg, userDir, quota) {
  ensureMaildir(maildir);
  if (userDir && overQuota(userDir, quota, msg.length)) return false;
  deliverToMaildir(maildir, msg, { withSize: true });
  if (userDir) {
    const size = join(userDir, 'Maildir', 'maildirsize');
    if (existsSync(size)) appendFileSync(size, `${msg.length} 1\n`);
  }
  return true;
}

/** The lines of a user's .qmail, in the order vdelivermail applies them. */
function runDotQmail(lines, msg) {
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('|')) {
      const r = spawnSync('/bin/sh', ['-c', line.slice(1)], {
        input: msg,
        stdio: ['pipe', 'inherit', 'inherit'],
      });
      if (r.status === 100) exit(100);
      if (r.status !== 0 && r.status !== 99) exit(111);
    } else if (line.startsWith('/') || line.startsWith('.')) {
      if (line.endsWith('/')) toMaildir(line, msg);
    } else forward(line.replace(/^&/, ''), msg);
  }
}

/**
 * process_valias (--enable-valias): the alias's rows, else the longest `<prefix>-default` row
 * (DEFAULT set to the rest), each line through deliver_mail; true when there were any.
 */
function deliverValias(user, domain, msg) {
  let lines = aliasLines(user, domain);
  for (let i = user.length; lines.length === 0 && i > 0; i -= 1) {
    if (user[i - 1] !== '-') continue;
    const found = aliasLines(`${user.slice(0, i)}default`, domain);
    if (found.length > 0) {
      lines = found;
      process.env.DEFAULT = user.slice(i);
    }
  }
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    if (line.startsWith('|')) runDotQmail([line], msg);
    else if (line.startsWith('.') || line.startsWith('/')) {
      if (!line.endsWith('/')) {
        outRaw(`can't handle mbox delivery for ${line}`);
        exit(111);
      }
      toMaildir(line, msg);
    } else forward(line.replace(/^&/, ''), msg);
  }
  return lines.length > 0;
}

export default function vdelivermail(argv) {
  if (argv.length !== 2) {
    out('vdelivermail: invalid syntax in .qmail-default file');
    exit(111);
  }
  const bounce = argv[1];
  const user = lower(process.env.EXT ?? '');
  const host = lower(process.env.HOST ?? '');
  const domain = lookupDomain(host);
  if (!domain) {
    out(`vdelivermail: invalid domain ${host}`);
    exit(100);
  }
  const body = readStdin();
  const deliveredTo = `Delivered-To: ${user}@${domain.real}`;
  if (
    body
      .toString('latin1')
      .split('\n')
      .some((l) => l === deliveredTo)
  ) {
    out('vdelivermail: mail is looping');
    exit(100);
  }
  const msg = Buffer.concat([Buffer.from(process.env.RPLINE ?? ''), Buffer.from(`${deliveredTo}\n`), body]);
  if (usesValiasTable() && deliverValias(user, domain.real, msg)) {
    out('vdelivermail: valiases processed');
    return;
  }
  const pw = lookupUser(domain, user);
  if (pw) {
    if (pw.gid & GID.BOUNCE_MAIL) {
      out(`vdelivermail: account is locked email bounced ${user}@${domain.real}`);
      exit(100);
    }
    const dotQmail = readText(join(pw.dir, '.qmail'));
    if (dotQmail !== undefined) {
      runDotQmail(dotQmail.split('\n'), msg);
      return;
    }
    if (!toMaildir(join(pw.dir, 'Maildir'), msg, pw.dir, pw.quota)) {
      out(message(domain.dir, '.over-quota.msg', 'user is over quota'));
      exit(100);
    }
    return;
  }
  if (bounce === 'delete') return;
  if (bounce === 'bounce-no-mailbox') {
    out(message(domain.dir, '.no-user.msg', 'Sorry, no mailbox here by that name. (#5.1.1)'));
    exit(100);
  }
  if (bounce.startsWith('/')) {
    const target = bounce.endsWith('/') ? bounce : `${bounce}/`;
    out(`user does not exist, but will deliver to ${target}`);
    const dq = readText(join(target, '.qmail'));
    if (dq !== undefined) runDotQmail(dq.split('\n'), msg);
    else toMaildir(join(target, 'Maildir'), msg);
    return;
  }
  forward(bounce, msg);
}
