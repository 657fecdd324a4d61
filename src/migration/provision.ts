/**
 * Provisioning: the domain, its users and every file that is not a message, made on the
 * destination with vpopmail's commands, then read back and compared with the source.
 */
import { randomBytes } from 'node:crypto';
import { PreconditionError, VerificationError } from '../errors.js';
import { openPair } from '../hosts/open-hosts.js';
import type { HostSession } from '../hosts/session.js';
import type { Logger } from '../log/logger.js';
import { combinedTrees, placesOf, relayTree, type TreeRelay } from '../maildir/tar-relay.js';
import { runBatch, type BatchStep, type Fence } from '../remote/batch.js';
import { describeDifference, differences } from '../vpopmail/compare.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import { readInventory } from '../vpopmail/inventory.js';
import { validateDomain } from '../vpopmail/names.js';
import { accountSteps, fileSteps, type ProvisionMode, type RelayJob } from '../vpopmail/provision-steps.js';
import {
  buildPathMap,
  destLayout,
  markerText,
  preflight,
  programSides,
  type Preflight,
} from './preflight.js';

export interface ProvisionReport {
  domain: string;
  mode: Preflight['mode'];
  /** Commands run and trees copied; 0 on a destination that already matched. */
  changes: number;
  warnings: string[];
  notes: string[];
  destInventory: Inventory;
}

/** 16 characters from a 62-letter alphabet: long enough for vpopmail 5.6's minimum of 12. */
export function dummyPassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('');
}

export interface ProvisionEvents {
  step?: (title: string) => void;
}

export async function provision(
  pf: Preflight,
  log: Logger,
  events: ProvisionEvents = {},
  options: { fence?: Fence | undefined } = {},
): Promise<ProvisionReport> {
  if (pf.problems.length > 0)
    throw new PreconditionError(
      `${pf.domain} cannot be provisioned on ${pf.dest.label}:\n  ${pf.problems.join('\n  ')}`,
    );
  const { source, dest, sourceInventory: src } = pf;
  const bin = dest.caps.vpopmail?.bin ?? '';
  const vp = dest.caps.vpopmail?.dir ?? '';
  const notes: string[] = [];
  let changes = 0;
  const onStep = (s: { step: BatchStep }) => {
    changes += 1;
    log.info({ host: dest.label, step: s.step.title }, 'provisioned');
    events.step?.(s.step.title);
  };

  if (pf.mode === 'identical') {
    return {
      domain: pf.domain,
      mode: pf.mode,
      changes: 0,
      warnings: pf.warnings,
      notes,
      destInventory: pf.destInventory as Inventory,
    };
  }
  const mode: ProvisionMode = pf.mode;
  const accounts = accountSteps({
    source: src,
    dest: pf.destInventory,
    mode,
    destBin: bin,
    marker: markerText(pf.domain, source.label),
    dummyPassword,
  });
  notes.push(...accounts.notes);
  await runBatch(dest.remote, accounts.steps, { onResult: onStep, fence: options.fence });

  // The destination chose its own directories: read them back before writing any path.
  const destNow =
    accounts.steps.length === 0 && pf.destInventory
      ? pf.destInventory
      : await readInventory(dest.remote, dest.caps, pf.domain);
  const map = buildPathMap(src, destLayout(src, destNow, vp), pf.programMappings);
  const files = fileSteps({ source: src, dest: destNow, mode, destBin: bin, map });
  notes.push(...files.notes);
  if (files.problems.length > 0)
    throw new PreconditionError(
      `${pf.domain} cannot be provisioned on ${dest.label}:\n  ${files.problems.join('\n  ')}`,
    );
  // Entries whose kind changed go first: no relay may meet the old link on its way.
  await runBatch(dest.remote, files.prepare, { onResult: onStep, fence: options.fence });
  for (const job of relaysOf(files.relays, { source: src.dir, dest: destNow.dir })) {
    await relayTree(source.remote, dest.remote, { ...job, owner: { uid: destNow.uid, gid: destNow.gid } });
    changes += job.trees;
    log.info({ host: dest.label, step: job.title, files: job.members.length }, 'provisioned');
    events.step?.(job.title);
  }
  await runBatch(dest.remote, files.steps, { onResult: onStep, fence: options.fence });

  const after = changes === 0 ? destNow : await readInventory(dest.remote, dest.caps, pf.domain);
  if (mode !== 'merge') {
    const leftOut = new Set(files.outsideLinks.map((l) => l.key));
    const diffs = differences(src, after, programSides(pf.programMappings)).filter(
      (d) => d.source !== undefined && !leftOut.has(d.key),
    );
    if (diffs.length > 0)
      throw new VerificationError(
        `${pf.domain} on ${dest.label} still differs from ${source.label} after provisioning:\n  ${diffs.map(describeDifference).join('\n  ')}`,
      );
  }
  return { domain: pf.domain, mode, changes, warnings: pf.warnings, notes, destInventory: after };
}

/** The trees to copy as streams: those of the users (below the domain directories) in one. */
function relaysOf(
  jobs: readonly RelayJob[],
  bases: { source: string; dest: string },
): Array<RelayJob & { targets?: TreeRelay['targets']; trees: number }> {
  const below = jobs.filter((j) => placesOf(bases, { source: j.sourceBase, dest: j.destBase }) !== undefined);
  const together = below.length > 1 ? combinedTrees(bases, below) : undefined;
  if (!together) return jobs.map((j) => ({ ...j, trees: 1 }));
  return [
    ...jobs.filter((j) => !below.includes(j)).map((j) => ({ ...j, trees: 1 })),
    {
      ...together,
      members: [...together.members],
      title: `copy ${together.members.length} file(s) of ${below.length} users`,
      trees: below.length,
    },
  ];
}

/** `vmigrate provision`: preflight against both hosts, then provisioning. */
export async function provisionBetween(
  session: HostSession,
  ask: { domain: string; from: string; to: string; merge: boolean; skipUnrepresentable?: boolean },
  log: Logger,
  events: ProvisionEvents = {},
): Promise<ProvisionReport> {
  const domain = validateDomain(ask.domain);
  const { source, dest } = await openPair(session, ask.from, ask.to);
  return provision(
    await preflight(domain, source, dest, {
      merge: ask.merge,
      skipUnrepresentable: ask.skipUnrepresentable === true,
    }),
    log,
    events,
  );
}
