/**
 * Preflight: everything about both hosts that decides whether and how a domain can be
 * provisioned, read without changing anything. The result drives both the printed plan
 * (`vmigrate plan`, `--dry-run`) and the provisioning itself, so the two cannot disagree.
 * In two halves: `readPreflightFacts` reads both hosts, `assessPreflight` decides from what was
 * read and touches nothing (tested without any server).
 */
import { describeOutsideLink, linksOutsideDomain } from '../vpopmail/tree-links.js';
import { randomUUID } from 'node:crypto';
import { PreconditionError, UsageError } from '../errors.js';
import type { HostHandle, HostPair } from '../hosts/open-hosts.js';
import { missingRequirements, type VpopmailBackend } from '../hosts/probe.js';
import { assignedDomains } from '../vpopmail/assign.js';
import { describeDifference, differences, type ProgramPaths } from '../vpopmail/compare.js';
import type { Inventory, InventoryUser } from '../vpopmail/inventory-types.js';
import { unrepresentable } from '../vpopmail/mysql-columns.js';
import { emptyInventory, withUsers } from '../vpopmail/inventory-users.js';
import { aliasStoreOf, placeValiasRows } from './valias-place.js';
import { readInventory, readInventoryIfExists } from '../vpopmail/inventory.js';
import { validateDomain, validateUser } from '../vpopmail/names.js';
import { PathMap, pathsUnder, type PathMapping } from '../vpopmail/path-map.js';
import { controlTexts, locatePrograms, programPaths } from '../vpopmail/programs.js';
import { assessSystemSource, readSystemSource, type SystemAsk, type SystemFacts } from './system-source.js';
import type { ProvisionMode } from '../vpopmail/provision-steps.js';

export interface Preflight {
  domain: string;
  source: HostHandle;
  dest: HostHandle;
  sourceInventory: Inventory;
  /** The destination's domain as it is now; undefined when it does not exist yet. */
  destInventory: Inventory | undefined;
  /** `identical`: the destination already holds exactly this domain. */
  mode: ProvisionMode | 'identical';
  /** Reasons not to start; any of them stops provisioning before it changes anything. */
  problems: string[];
  warnings: string[];
  /** What the plan should say about how things are carried over (aliases as rows or files). */
  notes: string[];
  /** Programs found on the destination under another path: source path -> destination path. */
  programMappings: PathMapping[];
  /** Source -> destination paths; predicted (no hash buckets) until the domain exists there. */
  pathMap: PathMap;
  /** What the source's users are: vpopmail's, or Unix accounts (--from-system). */
  sourceKind: 'vpopmail' | 'system';
}

/** The program mappings as each side's name -> path, for comparing the two sides. */
export function programSides(mappings: readonly PathMapping[]): {
  source: ProgramPaths;
  destination: ProgramPaths;
} {
  return {
    source: new Map(mappings.map((m) => [m.what, m.from])),
    destination: new Map(mappings.map((m) => [m.what, m.to])),
  };
}

/** vpopmail 5.4 corrupts vpasswd lines longer than this (spec 4.4). */
const VPASSWD_LINE_MAX = 255;

export function buildPathMap(
  source: Inventory,
  dest: { vpopmailDir: string; dir: string; userDirs: ReadonlyMap<string, string> },
  programs: readonly PathMapping[],
): PathMap {
  return new PathMap([
    ...programs,
    ...source.users.map((u) => ({
      from: u.dir,
      to: dest.userDirs.get(u.name) ?? `${dest.dir}/${u.name}`,
      what: `user ${u.name}`,
    })),
    { from: source.dir, to: dest.dir, what: 'domain directory' },
    { from: source.vpopmailDir, to: dest.vpopmailDir, what: 'vpopmail home' },
  ]);
}

/** The destination side of a path map, real when the domain exists there. */
export function destLayout(
  source: Inventory,
  dest: Inventory | undefined,
  destVpopmailDir: string,
): { vpopmailDir: string; dir: string; userDirs: Map<string, string> } {
  const dir = dest?.dir ?? `${destVpopmailDir}/domains/${source.domain}`;
  return {
    vpopmailDir: destVpopmailDir,
    dir,
    userDirs: new Map((dest?.users ?? []).map((u) => [u.name, u.dir])),
  };
}

/** Source paths that mean nothing on the destination: what must not survive rewriting. */
export function sourceOnlyRoots(map: PathMap): string[] {
  return map.mappings
    .filter((m) => m.from !== m.to && !`${m.to}/`.startsWith(`${m.from}/`) && !m.what.startsWith('program'))
    .map((m) => m.from);
}

function checkNames(inv: Inventory): void {
  const bad: string[] = [];
  for (const u of inv.users) {
    try {
      validateUser(u.name);
    } catch (error) {
      bad.push((error as Error).message);
    }
  }
  for (const a of inv.aliasDomains) {
    try {
      validateDomain(a);
    } catch (error) {
      bad.push((error as Error).message);
    }
  }
  if (bad.length > 0)
    throw new UsageError(
      `${inv.domain} on ${inv.host} holds names vmigrate will not handle:\n  ${bad.join('\n  ')}`,
      {
        hint: 'rename or remove them on the source with vpopmail, then run again',
      },
    );
}

/** What each host lacks that vmigrate cannot work without, each named with its host. */
function lacking(hosts: readonly HostHandle[], role: 'vpopmail' | 'system' = 'vpopmail'): string[] {
  return hosts.flatMap((h) => missingRequirements(h.caps, role).map((p) => `${h.label}: ${p}`));
}

/**
 * What a host lacks that vmigrate cannot work without, for both hosts of a pair, as one
 * PreconditionError: checked before anything is locked or written, so that a destination
 * without vpopmail is reported as such (exit 5), not as a lock it cannot hold.
 */
export function requireFitHosts(hosts: HostPair, sourceRole: 'vpopmail' | 'system' = 'vpopmail'): void {
  const problems = [...lacking([hosts.source], sourceRole), ...lacking([hosts.dest])];
  if (problems.length > 0)
    throw new PreconditionError(`vmigrate cannot work with these hosts:\n  ${problems.join('\n  ')}`, {
      hint: 'run `vmigrate hosts check` on them for everything each one has',
    });
}

/** What preflight reads from both hosts; everything it decides comes from these facts alone. */
export interface PreflightFacts {
  domain: string;
  source: HostHandle;
  dest: HostHandle;
  sourceInventory: Inventory;
  /** Undefined when the domain is not on the destination, or a host lacks vpopmail (nothing more was read). */
  destInventory: Inventory | undefined;
  /** The programs the domain's delivery files run, as the source names them … */
  wantedPrograms: string[];
  /** … and where the destination has each (in the same order; `found` undefined: missing). */
  locatedPrograms: Array<{ wanted: string; found: string | undefined }>;
  /** The alias domains as the destination's users/assign has them: alias -> its real domain ('' if none). */
  aliasOwners: Map<string, string>;
  /** A source of system accounts: what they become, and the destination's word on their hashes. */
  system?: SystemFacts | undefined;
}

/** What preflight needs besides: vpopmail's programs on both hosts (on the destination alone for system accounts). */
function unfitHosts(source: HostHandle, dest: HostHandle, system: boolean): string[] {
  return [
    ...(system ? lacking([source], 'system') : []),
    ...(system ? [dest] : [source, dest]).flatMap((h) => [
      ...lacking([h]),
      ...(h.caps.vpopmail?.bin ? [] : [`${h.label}: no vpopmail programs found`]),
    ]),
  ];
}

/** Reads both hosts: the domain on each, and what the destination has for its delivery files. */
export async function readPreflightFacts(
  domain: string,
  source: HostHandle,
  dest: HostHandle,
  systemScope?: SystemAsk,
): Promise<PreflightFacts> {
  const empty = { wantedPrograms: [], locatedPrograms: [], aliasOwners: new Map<string, string>() };
  let system: SystemFacts | undefined;
  const readSource = async () => {
    if (!systemScope) return readInventory(source.remote, source.caps, domain);
    system = await readSystemSource(source, dest, domain, systemScope);
    return system.conversion.inventory;
  };
  if (unfitHosts(source, dest, systemScope !== undefined).length > 0 || !dest.caps.vpopmail) {
    // Without vpopmail where it is needed nothing else can be read.
    const sourceInventory = systemScope ? emptyInventory(source.label, domain) : await readSource();
    return { domain, source, dest, sourceInventory, destInventory: undefined, ...empty };
  }
  // Both reads are read-only and independent: one round trip's wait, not two.
  const [sourceInventory, destInventory] = await Promise.all([
    readSource(),
    readInventoryIfExists(dest.remote, dest.caps, domain),
  ]);
  if (sourceInventory.realDomain !== domain)
    return { domain, source, dest, sourceInventory, destInventory, ...empty };
  const destVp = dest.caps.vpopmail.dir;
  const baseMap = buildPathMap(sourceInventory, destLayout(sourceInventory, destInventory, destVp), []);
  const wantedPrograms = programPaths(controlTexts(sourceInventory));
  const [located, aliasOwners] = await Promise.all([
    locatePrograms(
      dest.remote,
      wantedPrograms.map((p) => baseMap.rewrite(p)),
      { qmailDir: dest.caps.qmail.dir, vpopmailDir: destVp },
    ),
    assignedDomains(dest.remote, dest.caps.qmail.dir, sourceInventory.aliasDomains),
  ]);
  return {
    domain,
    source,
    dest,
    sourceInventory,
    destInventory,
    wantedPrograms,
    locatedPrograms: located,
    aliasOwners,
    system,
  };
}

export async function preflight(
  domain: string,
  source: HostHandle,
  dest: HostHandle,
  options: {
    merge: boolean;
    /** Users the destination cannot store are left out (reported), instead of a problem. */
    skipUnrepresentable?: boolean;
    /** The state store says a run of ours began creating the domain there: finish it. */
    claim?: boolean;
    /** The source's mail users are Unix accounts (--from-system), these ones. */
    system?: SystemAsk | undefined;
  },
): Promise<Preflight> {
  return assessPreflight(await readPreflightFacts(domain, source, dest, options.system), options);
}

/** Whether and how the domain can be provisioned, decided from the facts alone. */
export function assessPreflight(
  facts: PreflightFacts,
  options: { merge: boolean; skipUnrepresentable?: boolean | undefined; claim?: boolean | undefined },
): Preflight {
  const { domain, source, dest, destInventory } = facts;
  const problems = unfitHosts(source, dest, facts.system !== undefined);
  const warnings: string[] = [];
  const systemNotes: string[] = [];
  if (problems.length > 0 || !dest.caps.vpopmail)
    return {
      domain,
      source,
      dest,
      sourceInventory: facts.sourceInventory,
      destInventory: undefined,
      mode: 'create',
      problems,
      warnings,
      notes: [],
      programMappings: [],
      pathMap: new PathMap([]),
      sourceKind: facts.system ? 'system' : 'vpopmail',
    };
  const real = facts.sourceInventory.realDomain;
  if (real !== domain)
    throw new UsageError(
      `${domain} is an alias domain of ${real} on ${source.label}: move ${real}, its alias domains come with it`,
    );
  const fromSystem =
    facts.system &&
    assessSystemSource(facts.system, {
      destLabel: dest.label,
      skip: options.skipUnrepresentable === true,
      problems,
      warnings,
      notes: systemNotes,
    });
  checkNames(fromSystem ?? facts.sourceInventory);
  const destVp = dest.caps.vpopmail.dir;
  const destBackend = dest.caps.vpopmail.backend;
  // Where each user lives on the destination: read back where the domain exists, else predicted.
  const layout = destLayout(facts.sourceInventory, destInventory, destVp);
  let sourceInventory = withoutUnrepresentable(
    fromSystem ?? facts.sourceInventory,
    {
      backend: destBackend,
      dirOf: (u) => layout.userDirs.get(u.name) ?? `${layout.dir}/${u.name}`,
      label: dest.label,
    },
    {
      skip: options.skipUnrepresentable === true,
      problems,
      warnings,
    },
  );

  let mode: Preflight['mode'] = 'create';
  if (destInventory) {
    if (destInventory.realDomain !== domain)
      problems.push(`${domain} is an alias domain of ${destInventory.realDomain} on ${dest.label}`);
    else if (destInventory.provisionedBy !== undefined || options.claim) mode = 'converge';
    else mode = options.merge ? 'merge' : 'identical';
  }

  // Programs: where the destination has what the domain's files run.
  const located = facts.locatedPrograms;
  const programMappings: PathMapping[] = [];
  const missing = located.filter((l) => l.found === undefined).map((l) => l.wanted);
  if (missing.length > 0)
    warnings.push(
      `${dest.label} lacks ${missing.length === 1 ? 'a program' : 'programs'} that the domain's delivery files run ` +
        `(${missing.join(', ')}): that mail will fail there until ${missing.length === 1 ? 'it is' : 'they are'} installed`,
    );
  located.forEach((loc, i) => {
    const original = facts.wantedPrograms[i] ?? loc.wanted;
    if (loc.found === undefined) return;
    if (loc.found !== loc.wanted)
      programMappings.push({
        from: original,
        to: loc.found,
        what: `program ${loc.found.split('/').pop() ?? ''}`,
      });
  });
  const pathMap = buildPathMap(sourceInventory, layout, programMappings);
  const aliases = placeValiasRows(sourceInventory, {
    store: aliasStoreOf(dest.caps),
    map: pathMap,
    skip: options.skipUnrepresentable === true,
    source: { label: source.label, valiasKnown: source.caps.vpopmail?.valias !== undefined },
    destLabel: dest.label,
  });
  sourceInventory = aliases.inventory;
  problems.push(...aliases.problems);
  warnings.push(...aliases.warnings);

  if (destInventory && mode === 'identical') {
    const diffs = differences(sourceInventory, destInventory, programSides(programMappings)).filter(
      (d) => !d.key.startsWith('owner of '),
    );
    if (diffs.length > 0)
      problems.push(
        `${domain} already exists on ${dest.label} with different content (use --merge to add only what is missing):\n    ` +
          diffs.slice(0, 30).map(describeDifference).join('\n    ') +
          (diffs.length > 30 ? `\n    … and ${diffs.length - 30} more` : ''),
      );
  }

  for (const [alias, real] of facts.aliasOwners)
    if (real !== '' && real !== domain)
      problems.push(`alias domain ${alias} already exists on ${dest.label} (as ${real})`);

  // vpasswd lines on the destination, with its longer or shorter paths.
  for (const u of destBackend === 'mysql' ? [] : sourceInventory.users) {
    const dir = pathMap.rewrite(u.dir);
    const line = [
      u.name,
      u.password.value,
      '1',
      String(u.flags),
      u.gecos,
      dir,
      u.quota,
      u.clearPassword?.value ?? '',
    ].join(':').length;
    // Up to two hash-bucket levels may still be added to the predicted directory.
    if (line + (destInventory ? 0 : 4) > VPASSWD_LINE_MAX)
      problems.push(
        `${u.name}@${domain}: its vpasswd line would be about ${line} bytes on ${dest.label}; vpopmail 5.4 corrupts lines over ${VPASSWD_LINE_MAX}`,
      );
  }

  // Space: the domain's bytes and files, with a tenth to spare.
  const bytes = sourceInventory.totals.bytes + sourceInventory.extra.reduce((n, e) => n + e.size, 0);
  const files =
    sourceInventory.totals.messages +
    sourceInventory.extra.length +
    sourceInventory.users.reduce((n, u) => n + u.extra.length + u.folders.length * 3 + 8, 0);
  const { diskFreeBytes, inodesFree } = dest.caps;
  if (diskFreeBytes !== undefined && diskFreeBytes < bytes * 1.1)
    problems.push(
      `${dest.label} has ${mib(diskFreeBytes)} free under ${destVp}/domains; ${domain} needs about ${mib(bytes * 1.1)}`,
    );
  if (inodesFree !== undefined && inodesFree > 0 && inodesFree < files * 1.1)
    problems.push(
      `${dest.label} has ${inodesFree} free inodes under ${destVp}/domains; ${domain} needs about ${Math.ceil(files * 1.1)}`,
    );

  // Paths that rewriting cannot map (a user directory outside the vpopmail home, …).
  const roots = sourceOnlyRoots(pathMap);
  for (const text of controlTexts(sourceInventory))
    for (const p of pathsUnder(pathMap.rewrite(text), roots))
      warnings.push(`${p} is named in a delivery file and does not exist on ${dest.label}`);
  warnings.push(...linksOutsideDomain(sourceInventory).map(describeOutsideLink));
  // (Accounts' homes are never inside qmail's alias directory, a system domain's `dir`.)
  for (const u of facts.system ? [] : sourceInventory.users)
    if (!u.dir.startsWith(`${sourceInventory.dir}/`))
      warnings.push(
        `${u.name}@${domain} lives outside the domain directory (${u.dir}); on ${dest.label} it is created inside it`,
      );

  return {
    domain,
    source,
    dest,
    sourceInventory,
    destInventory,
    mode,
    problems,
    warnings: [...new Set(warnings)],
    notes: [...systemNotes, ...aliases.notes],
    programMappings,
    pathMap,
    sourceKind: facts.system ? 'system' : 'vpopmail',
  };
}

/**
 * The source's users that the destination can store; each other one is a problem, or, told to
 * skip them, a warning and left out of the move (its mailbox with it). A user whose only
 * misfit is its clear-text copy keeps its account: skipping drops that copy, and the user
 * logs in with its hash as before.
 */
function withoutUnrepresentable(
  inv: Inventory,
  dest: { backend: VpopmailBackend | undefined; dirOf: (u: InventoryUser) => string; label: string },
  o: { skip: boolean; problems: string[]; warnings: string[] },
): Inventory {
  const kept: InventoryUser[] = [];
  for (const u of inv.users) {
    const misfits = unrepresentable(u, dest.backend, dest.dirOf(u));
    const why = misfits.map((m) => m.why).join('; ');
    const whole = misfits.some((m) => m.part === 'user');
    if (misfits.length === 0) kept.push(u);
    else if (!o.skip)
      o.problems.push(
        `${u.name}@${inv.domain} cannot be stored on ${dest.label}: ${why} (--skip-unrepresentable ${whole ? 'leaves such users out' : 'moves it without the clear-text copy'})`,
      );
    else if (whole)
      o.warnings.push(
        `${u.name}@${inv.domain} left out (--skip-unrepresentable): ${dest.label} cannot store it: ${why}`,
      );
    else {
      o.warnings.push(
        `${u.name}@${inv.domain} moved without its clear-text password (--skip-unrepresentable): ${why}; it logs in with its password hash`,
      );
      kept.push({ ...u, clearPassword: undefined, hasClearPassword: false });
    }
  }
  if (kept.length === inv.users.length && kept.every((u, i) => u === inv.users[i])) return inv;
  return withUsers(inv, kept);
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

/** The marker text a domain created by vmigrate carries on the destination. */
export function markerText(domain: string, sourceLabel: string): string {
  return `vmigrate ${domain} from ${sourceLabel} ${new Date().toISOString()} ${randomUUID()}`;
}
