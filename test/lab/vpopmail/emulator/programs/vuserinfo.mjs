import { lower } from '../address.mjs';
import { findUser, noSuchUser, printVersion, usage } from '../common.mjs';
import { lookupDomain } from '../domains.mjs';
import { GID, LIMIT_LINES } from '../flags.mjs';
import { getopt } from '../getopt.mjs';
import { out } from '../io.mjs';
import { domainGidMask, readDomainLimits } from '../limits.mjs';
import { usagePercent } from '../quota.mjs';
import { lastAuth, listUsers, listingStopsEarly } from '../userdb.mjs';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');

/** C asctime() in local time, without its newline. */
export function asctime(d) {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

function lastAuthLines(pw, domain) {
  const last = lastAuth(domain, pw);
  if (last === undefined) return ['last auth: Never logged in'];
  const when = asctime(last.time);
  if (last.ip === '0.0.0.0') return [`account created: ${when}`, 'last auth: Never logged in'];
  return [`last auth: ${when}`, `last auth ip: ${last.ip}`];
}

const usageText = (pw) => (pw.quota === 'NOQUOTA' ? 'NOQUOTA' : `${usagePercent(pw.dir, pw.quota)}%`);

function block(pw, mask, domain) {
  const flags = pw.gid & GID.V_OVERRIDE ? pw.gid : pw.gid | mask;
  out(`name:   ${pw.name}`);
  out(`passwd: ${pw.passwd}`);
  out(`clear passwd: ${pw.clear}`);
  out(`comment/gecos: ${pw.gecos}`);
  out(`uid:    ${pw.uid}`);
  out(`gid:    ${pw.gid}`);
  out(`flags:  ${flags}`);
  out(`gecos: ${pw.gecos}`);
  if (flags === 0) out('limits: No user limits set.');
  else {
    out('limits:');
    for (const [bit, text] of LIMIT_LINES)
      if (flags & bit) out(`        ${text}${pw.gid & bit ? '' : ' (*)'}`);
    if (pw.gid !== flags) out('        * = set by domain-wide limits');
  }
  out(`dir:       ${pw.dir}`);
  out(`quota:     ${pw.quota}`);
  out(`usage:     ${usageText(pw)}`);
  for (const l of lastAuthLines(pw, domain)) out(l);
}

function fields(pw, sel, domain) {
  if (sel.has('n')) out(pw.name);
  if (sel.has('p')) out(pw.passwd);
  if (sel.has('C')) out(pw.clear);
  if (sel.has('u')) out(pw.uid);
  if (sel.has('g')) out(String(pw.gid));
  if (sel.has('c')) out(pw.gecos);
  if (sel.has('d')) out(pw.dir);
  if (sel.has('q')) out(pw.quota);
  if (sel.has('Q')) out(usageText(pw));
  if (sel.has('l')) for (const l of lastAuthLines(pw, domain)) out(l);
}

export default function vuserinfo(argv) {
  const { opts, operands, bad } = getopt('vuserinfo', argv, 'vanpugcdqQClD:');
  if (bad) usage('vuserinfo', 255);
  const sel = new Set();
  let listDomain;
  for (const { opt, arg } of opts) {
    if (opt === 'v') printVersion();
    else if (opt === 'D') listDomain = arg;
    else if (opt !== 'a') sel.add(opt);
  }
  const show = (pw, mask, domain) => (sel.size === 0 ? block(pw, mask, domain) : fields(pw, sel, domain));
  if (listDomain !== undefined) {
    const domain = lookupDomain(lower(listDomain));
    if (!domain) return;
    const mask = domainGidMask(readDomainLimits(domain));
    // The listing reads vpasswd through a 300-byte buffer: an overlong line ends it before
    // anything is printed (outputs §23).
    if (listingStopsEarly(domain)) return;
    for (const pw of listUsers(domain)) show(pw, mask, domain);
    return;
  }
  if (operands.length === 0) usage('vuserinfo', 255);
  const u = findUser(operands[0]);
  if (!u.pw) noSuchUser(u);
  show(u.pw, domainGidMask(readDomainLimits(u.domain)), u.domain);
}
