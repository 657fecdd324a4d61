// Which domains exist and where they live: users/cdb for lookups (as vpopmail does), the
// `+` lines of users/assign with a dot in their name for listings.
import { assignEntries, usersCdbLookup } from './qmail-files.mjs';

/** @returns {{ name: string, real: string, uid: number, gid: number, dir: string } | undefined} */
export function lookupDomain(name) {
  const hit = usersCdbLookup(`${name.toLowerCase()}-`);
  if (!hit) return undefined;
  return { name, real: hit.user, uid: hit.uid, gid: hit.gid, dir: hit.dir };
}

/** The domain entries that assign-scanning tools see: only names containing a dot. */
export function listedDomains() {
  return assignEntries().filter((e) => e.name.includes('.'));
}

export function aliasesOf(real) {
  return listedDomains().filter((e) => e.real === real && e.name !== real);
}
