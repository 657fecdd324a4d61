/**
 * Which domains a command works on: one named, those of a list file, or every real domain of
 * the source (`--all`). Names are checked before any host is reached.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { HostPair } from '../hosts/open-hosts.js';
import { realDomains } from '../vpopmail/assign.js';
import { validateDomain } from '../vpopmail/names.js';
import { parseDomainList } from './domain-list.js';

/** One domain, a list file, or every domain of the source. */
export type DomainChoice = { domain: string } | { listFile: string } | { all: true };

function readListFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (error as Error).message;
    throw new UsageError(`cannot read the domain list ${file}: ${why}`, {
      hint: 'name a file with one domain per line (# starts a comment)',
    });
  }
}

/** The domains named on the command line or in a list: checked before any host is reached. */
export function namedDomains(choice: DomainChoice): string[] | undefined {
  if ('domain' in choice) return [validateDomain(choice.domain)];
  if ('listFile' in choice) return parseDomainList(readListFile(choice.listFile), choice.listFile);
  return undefined;
}

/** `--all`: every real domain of the source. */
export async function allDomains(hosts: HostPair): Promise<string[]> {
  const all = await realDomains(hosts.source.remote, hosts.source.caps.qmail.dir);
  if (all.length === 0) throw new UsageError(`${hosts.source.label} has no vpopmail domain`);
  return all;
}

/** The domains of a choice: the named ones at once, `--all` from the source. */
export async function chosenDomains(choice: DomainChoice, hosts: () => Promise<HostPair>): Promise<string[]> {
  return namedDomains(choice) ?? (await allDomains(await hosts()));
}
