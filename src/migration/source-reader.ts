/**
 * How a command after the move (sync, verify, cutover, its rollback, cleanup) reads a domain's
 * source: as vpopmail has it, or — when this state store moved it with --from-system — as the
 * Unix accounts that move read, with its scope and choices (--uid-min or --users,
 * --skip-unrepresentable, --new-passwords and their file), so that every later pass compares
 * and copies exactly the mailboxes the move made.
 */
import { dirname, join } from 'node:path';
import { PreconditionError } from '../errors.js';
import type { HostPair } from '../hosts/open-hosts.js';
import type { Records } from '../state/records.js';
import type { MoveRequest } from '../state/run-journal.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import { readInventory } from '../vpopmail/inventory.js';
import type { SystemForm } from '../system/inventory.js';
import { assessSystemSource, readSystemSource, type SystemFacts } from './system-source.js';

export type SourceOrigin = Partial<Pick<MoveRequest, 'fromSystem' | 'skipUnrepresentable'>>;

export interface SourceReader {
  kind: 'vpopmail' | 'system';
  /** What a request recording this source carries (a sync's, so that the next command reads it the same way). */
  origin: SourceOrigin;
  read(): Promise<Inventory>;
  /** A system source's last reading: what it became, and the homes that hold its deliveries. */
  readonly system: SystemFacts | undefined;
}

/** Where --new-passwords writes a domain's passwords: beside the state store, per destination. */
export function newPasswordFile(storeFile: string, domain: string, destLabel: string): string {
  return join(
    dirname(storeFile),
    'new-passwords',
    `${domain}-${destLabel.replace(/[^A-Za-z0-9._-]/g, '_')}.txt`,
  );
}

/**
 * The reader for `domain` between `hosts`: `moved` is what the store's newest finished move or
 * sync of it asked (runs.lastCopyRequest), undefined when it has none (a vpopmail source).
 */
export function sourceReaderFor(
  hosts: HostPair,
  domain: string,
  moved: MoveRequest | undefined,
  storeFile: string,
  /** A cutover's record of how qmail delivered the domain before it rerouted it. */
  form?: SystemForm,
): SourceReader {
  const fromSystem = moved?.fromSystem;
  if (!fromSystem)
    return {
      kind: 'vpopmail',
      origin: {},
      system: undefined,
      read: () => readInventory(hosts.source.remote, hosts.source.caps, domain),
    };
  const skip = moved.skipUnrepresentable === true;
  let last: SystemFacts | undefined;
  return {
    kind: 'system',
    origin: { fromSystem, skipUnrepresentable: skip },
    get system() {
      return last;
    },
    async read() {
      const facts = await readSystemSource(hosts.source, hosts.dest, domain, {
        ...fromSystem,
        form,
        // The passwords the move made are in its file: read again, never made anew here.
        passwordFile: fromSystem.newPasswords
          ? newPasswordFile(storeFile, domain, hosts.dest.label)
          : undefined,
      });
      last = facts;
      const problems: string[] = [];
      const inventory = assessSystemSource(facts, {
        destLabel: hosts.dest.label,
        skip,
        problems,
        warnings: [],
        notes: [],
      });
      if (problems.length > 0)
        throw new PreconditionError(
          `${domain}'s Unix accounts on ${hosts.source.label} are no longer what the move read:\n  ${problems.join('\n  ')}`,
          { host: hosts.source.label, hint: `run the move again: vmigrate move ${domain} --from-system …` },
        );
      return inventory;
    },
  };
}

/** The reader as this state store recorded the domain's newest finished move or sync between the pair. */
export function recordedSourceReader(
  hosts: HostPair,
  domain: string,
  pair: { from: string; to: string },
  records: Pick<Records, 'runs' | 'file'>,
  form?: SystemForm,
): SourceReader {
  return sourceReaderFor(
    hosts,
    domain,
    records.runs.lastCopyRequest(domain, pair.from, pair.to),
    records.file,
    form,
  );
}
