/**
 * The plan shown by `vmigrate plan` and `--dry-run`: the same step builders provisioning runs,
 * fed with the destination as it is now, or as it will be after the account phase (predicted
 * directories) when the domain does not exist there yet.
 */
import { displayCommand } from '../remote/quote.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import type { PathMapping } from '../vpopmail/path-map.js';
import { accountSteps, fileSteps, type RelayJob } from '../vpopmail/provision-steps.js';
import type { Preflight } from './preflight.js';

export interface PlannedStep {
  phase: 'accounts' | 'files';
  title: string;
  command: string;
}

export interface Plan {
  domain: string;
  source: {
    host: string;
    /** vpopmail's users, or Unix accounts (--from-system). */
    kind: 'vpopmail' | 'system';
    /** '' for Unix accounts. */
    vpopmailDir: string;
    /** Unix accounts: qmail's alias directory, whose .qmail files become the domain's. */
    aliasDir?: string;
    uid: number | undefined;
    gid: number | undefined;
  };
  destination: {
    host: string;
    vpopmailDir: string;
    uid: number | undefined;
    gid: number | undefined;
    diskFreeBytes: number | undefined;
    inodesFree: number | undefined;
  };
  mode: Preflight['mode'];
  predictedPaths: boolean;
  pathMap: PathMapping[];
  steps: PlannedStep[];
  copies: Array<Pick<RelayJob, 'title' | 'sourceBase' | 'destBase'> & { files: number }>;
  warnings: string[];
  problems: string[];
  notes: string[];
}

/** The destination after the account phase, as far as it can be known beforehand. */
function afterAccounts(pf: Preflight): Inventory {
  if (pf.destInventory) return pf.destInventory;
  const src = pf.sourceInventory;
  return {
    ...src,
    host: pf.dest.label,
    vpopmailDir: pf.dest.caps.vpopmail?.dir ?? '',
    dir: pf.pathMap.rewrite(src.dir),
    uid: pf.dest.caps.vpopmail?.uid ?? 0,
    gid: pf.dest.caps.vpopmail?.gid ?? 0,
    aliasDomains: [],
    dotQmail: [],
    valias: undefined,
    limits: { source: 'default', show: undefined },
    extra: [],
    provisionedBy: 'planned',
    users: src.users.map((u) => ({ ...u, dir: pf.pathMap.rewrite(u.dir), dotQmail: undefined, extra: [] })),
  };
}

export function buildPlan(pf: Preflight): Plan {
  const src = pf.sourceInventory;
  const vp = pf.dest.caps.vpopmail;
  const base: Omit<Plan, 'steps' | 'copies' | 'notes'> = {
    domain: pf.domain,
    source: {
      host: pf.source.label,
      kind: pf.sourceKind,
      vpopmailDir: src.vpopmailDir,
      ...(pf.sourceKind === 'system' ? { aliasDir: src.dir } : {}),
      uid: pf.source.caps.vpopmail?.uid,
      gid: pf.source.caps.vpopmail?.gid,
    },
    destination: {
      host: pf.dest.label,
      vpopmailDir: vp?.dir ?? '',
      uid: vp?.uid,
      gid: vp?.gid,
      diskFreeBytes: pf.dest.caps.diskFreeBytes,
      inodesFree: pf.dest.caps.inodesFree,
    },
    mode: pf.mode,
    predictedPaths: pf.destInventory === undefined,
    pathMap: [...pf.pathMap.mappings],
    warnings: pf.warnings,
    problems: pf.problems,
  };
  if (pf.mode === 'identical' || pf.problems.length > 0 || !vp?.bin)
    return { ...base, steps: [], copies: [], notes: pf.notes };
  const accounts = accountSteps({
    source: src,
    dest: pf.destInventory,
    mode: pf.mode,
    destBin: vp.bin,
    marker: `vmigrate ${pf.domain} from ${pf.source.label}`,
    dummyPassword: () => 'x'.repeat(16),
  });
  const files = fileSteps({
    source: src,
    dest: afterAccounts(pf),
    mode: pf.mode,
    destBin: vp.bin,
    map: pf.pathMap,
  });
  const show =
    (phase: PlannedStep['phase']) =>
    (s: { title: string; argv: Parameters<typeof displayCommand>[0]; display?: string }) => ({
      phase,
      title: s.title,
      command: s.display ?? displayCommand(s.argv),
    });
  return {
    ...base,
    steps: [
      ...accounts.steps.map(show('accounts')),
      ...files.prepare.map(show('files')),
      ...files.steps.map(show('files')),
    ],
    problems: [...pf.problems, ...files.problems],
    copies: files.relays.map((r) => ({
      title: r.title,
      sourceBase: r.sourceBase,
      destBase: r.destBase,
      files: r.members.length,
    })),
    notes: [...pf.notes, ...accounts.notes, ...files.notes],
  };
}
