import process from 'node:process';
import { lower } from '../address.mjs';
import { printVersion, usage } from '../common.mjs';
import { lookupDomain } from '../domains.mjs';
import { readText, removeFile, replaceFile } from '../files.mjs';
import { getopt } from '../getopt.mjs';
import { out } from '../io.mjs';
import {
  FLAG_KEYWORDS,
  defaultLimitsFile,
  defaults,
  formatLimits,
  limitsFile,
  parseLimits,
  readDomainLimits,
  deleteLimitsRow,
  usesMysqlLimits,
  writeLimitsRow,
} from '../limits.mjs';
import { parseQuota } from '../quota.mjs';

const SHOW_ORDER = [
  'disable_imap',
  'disable_smtp',
  'disable_pop',
  'disable_webmail',
  'disable_password_changing',
  'disable_external_relay',
  'disable_dialup',
  'disable_spamassassin',
  'delete_spam',
  'disable_maildrop',
];

function permBits(letters) {
  let v = 0;
  for (const c of letters) {
    if (c === 'a') v |= 7;
    if (c === 'c') v |= 1;
    if (c === 'm') v |= 2;
    if (c === 'd') v |= 4;
  }
  return v;
}

const perm = (v) =>
  `${v & 1 ? 'DENY_CREATE  ' : 'ALLOW_CREATE '}${v & 2 ? 'DENY_MODIFY  ' : 'ALLOW_MODIFY '}${v & 4 ? 'DENY_DELETE  ' : 'ALLOW_DELETE '}`;

function show(title, l) {
  out(title);
  out('--');
  out(`Max Pop Accounts: ${l.maxpopaccounts}`);
  out(`Max Aliases: ${l.maxaliases}`);
  out(`Max Forwards: ${l.maxforwards}`);
  out(`Max Autoresponders: ${l.maxautoresponders}`);
  out(`Max Mailinglists: ${l.maxmailinglists}`);
  out('GID Flags:');
  const set = SHOW_ORDER.filter((k) => l.flags.has(k)).map((k) => FLAG_KEYWORDS.find((f) => f[0] === k));
  for (const f of set) out(`  ${f[3]}`);
  out(`Flags (for commandline): ${set.map((f) => f[2]).join('')}`);
  out('Flags for non postmaster accounts:');
  out(`  pop account:            ${perm(l.permAccount)}`);
  out(`  alias:                  ${perm(l.permAlias)}`);
  out(`  forward:                ${perm(l.permForward)}`);
  out(`  autoresponder:          ${perm(l.permAutoresponder)}`);
  out(`  mailinglist:            ${perm(l.permMaillist)}`);
  out(`  mailinglist users:      ${perm(l.permMaillistUsers)}`);
  out(`  mailinglist moderators: ${perm(l.permMaillistModerators)}`);
  out(`  quota:                  ${perm(l.permQuota)}`);
  out(`  default quota:          ${perm(l.permDefaultquota)}`);
  out(`Domain Quota: ${l.diskquota} MB`);
  out(`Default User Quota: ${l.defaultquota} bytes`);
  out(`Max Domain Messages: ${l.maxmsgcount}`);
  out(`Default Max Messages per User: ${l.defaultmaxmsgcount}`);
}

function zeroed() {
  const l = defaults();
  for (const k of ['maxpopaccounts', 'maxaliases', 'maxforwards', 'maxautoresponders', 'maxmailinglists'])
    l[k] = 0;
  return l;
}

export default function vmoddomlimits(argv) {
  const { opts, operands, bad } = getopt(
    'vmoddomlimits',
    argv,
    'vdSDQ:q:M:m:P:A:F:R:L:g:p:a:f:r:l:u:o:x:z:h',
  );
  if (bad) usage('vmoddomlimits', 255);
  if (opts.some((o) => o.opt === 'h')) usage('vmoddomlimits', 0);
  const useDefault = opts.some((o) => o.opt === 'd');
  const showIt = opts.some((o) => o.opt === 'S');
  const del = opts.some((o) => o.opt === 'D');
  for (const { opt } of opts) if (opt === 'v') printVersion();
  if (!useDefault && operands.length === 0) usage('vmoddomlimits', 255);

  const domain = useDefault ? undefined : lookupDomain(lower(operands[0]));
  if (!useDefault && !domain) return;
  const file = useDefault ? defaultLimitsFile() : limitsFile(domain.dir);
  if (del && !useDefault) {
    if (usesMysqlLimits()) deleteLimitsRow(domain.real);
    else removeFile(file);
    out('Limits deleted');
    return;
  }
  const current = useDefault
    ? parseLimits(readText(file) ?? '', zeroed())
    : (readDomainLimits(domain) ?? defaults());
  if (showIt) {
    show(useDefault ? `Default limits: ${file}` : `Domain: ${domain.real}`, current);
    return;
  }
  const l = current;
  let changed = false;
  for (const { opt, arg } of opts) {
    const num = () => parseInt(arg, 10) || 0;
    if (opt !== 'v' && opt !== 'd') changed = true;
    switch (opt) {
      case 'Q':
        l.diskquota = num();
        break;
      case 'q':
        l.defaultquota = parseInt(parseQuota(arg), 10) || 0;
        break;
      case 'M':
        l.maxmsgcount = num();
        break;
      case 'm':
        l.defaultmaxmsgcount = num();
        break;
      case 'P':
        l.maxpopaccounts = num();
        break;
      case 'A':
        l.maxaliases = num();
        break;
      case 'F':
        l.maxforwards = num();
        break;
      case 'R':
        l.maxautoresponders = num();
        break;
      case 'L':
        l.maxmailinglists = num();
        break;
      case 'g':
        l.flags = new Set(FLAG_KEYWORDS.filter((f) => arg.includes(f[2])).map((f) => f[0]));
        break;
      case 'p':
        l.permAccount = permBits(arg);
        break;
      case 'a':
        l.permAlias = permBits(arg);
        break;
      case 'f':
        l.permForward = permBits(arg);
        break;
      case 'r':
        l.permAutoresponder = permBits(arg);
        break;
      case 'l':
        l.permMaillist = permBits(arg);
        break;
      case 'u':
        l.permMaillistUsers = permBits(arg);
        break;
      case 'o':
        l.permMaillistModerators = permBits(arg);
        break;
      case 'x':
        l.permQuota = permBits(arg);
        break;
      case 'z':
        l.permDefaultquota = permBits(arg);
        break;
    }
  }
  if (!changed) return;
  if (usesMysqlLimits() && !useDefault) {
    writeLimitsRow(domain.real, l);
    return;
  }
  // Written by root under a 022 umask; the next read hands it to the domain (spec 1).
  process.umask(0o022);
  replaceFile(file, formatLimits(l));
}
