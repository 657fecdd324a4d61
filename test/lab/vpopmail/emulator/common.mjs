// Pieces every admin tool shares: version flag, usage exits, resolving an address.
import { parseEmail } from './address.mjs';
import { config } from './config.mjs';
import { lookupDomain } from './domains.mjs';
import { exit, out, outRaw } from './io.mjs';
import { USAGE } from './usage.mjs';
import { lookupUser } from './userdb.mjs';

export const printVersion = () => out(`version: ${config.version}`);

export function usage(prog, status) {
  outRaw(USAGE[prog]);
  exit(status);
}

/** user@domain (alias domains resolve to their real domain, as every tool does). */
export function findUser(address) {
  const a = parseEmail(address);
  const domain = a.domain ? lookupDomain(a.domain) : undefined;
  const pw = domain ? lookupUser(domain, a.user) : undefined;
  return { user: a.user, domainName: a.domain, hasDomain: a.hasDomain, domain, pw };
}

/** `no such user u@d`, or `no such user u` without a domain: exit 255. */
export function noSuchUser(a) {
  out(a.hasDomain ? `no such user ${a.user}@${a.domainName}` : `no such user ${a.user}`);
  exit(255);
}
