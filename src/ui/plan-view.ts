/** `vmigrate plan` for a terminal: hosts, path map, every step and command, warnings. */
import type { DryRunResult } from '../migration/move-lifecycle.js';
import type { Plan } from '../migration/plan.js';
import type { ServerComparison } from '../migration/server-settings.js';
import { formatBytes } from './table.js';

const MODE_TEXT: Record<Plan['mode'], string> = {
  create: 'create the domain on the destination',
  converge: 'complete the domain vmigrate created earlier',
  merge: 'add what is missing to an existing domain (--merge)',
  identical: 'nothing to do: the destination already matches',
};

export function renderPlan(p: Plan): string {
  const out: string[] = [];
  out.push(`Plan for ${p.domain}: ${p.source.host} -> ${p.destination.host} (${MODE_TEXT[p.mode]})`);
  out.push('', 'Hosts');
  out.push(
    p.source.kind === 'system'
      ? `  ${p.source.host}  Unix accounts (qmail's aliases in ${p.source.aliasDir ?? '?'})`
      : `  ${p.source.host}  vpopmail ${p.source.vpopmailDir}, uid ${p.source.uid ?? '?'}, gid ${p.source.gid ?? '?'}`,
  );
  out.push(
    `  ${p.destination.host}  vpopmail ${p.destination.vpopmailDir}, uid ${p.destination.uid ?? '?'}, gid ${p.destination.gid ?? '?'}, ` +
      `${formatBytes(p.destination.diskFreeBytes)} free, ${p.destination.inodesFree ?? '?'} inodes free`,
  );
  out.push(
    '',
    `Path map${p.predictedPaths ? ' (predicted: the destination may add hash buckets; read back before any path is written)' : ''}`,
  );
  for (const m of p.pathMap)
    out.push(`  ${m.from} -> ${m.to}${m.from === m.to ? ' (same)' : ''}  [${m.what}]`);
  if (p.problems.length > 0) {
    out.push('', 'Problems (nothing will be changed until they are solved)');
    for (const x of p.problems) out.push(`  ! ${x}`);
  }
  if (p.steps.length > 0 || p.copies.length > 0) {
    out.push(
      '',
      `Steps on ${p.destination.host} (${p.steps.length} commands, ${p.copies.length} tree copies)`,
    );
    let n = 0;
    let phase = '';
    for (const s of p.steps) {
      if (s.phase !== phase) {
        phase = s.phase;
        if (phase === 'files')
          for (const c of p.copies)
            out.push(`  ${++n}. ${c.title}: ${p.source.host}:${c.sourceBase} -> ${c.destBase} (tar stream)`);
      }
      out.push(`  ${++n}. ${s.title}`, `       $ ${s.command}`);
    }
    if (!p.steps.some((s) => s.phase === 'files'))
      for (const c of p.copies)
        out.push(`  ${++n}. ${c.title}: ${p.source.host}:${c.sourceBase} -> ${c.destBase} (tar stream)`);
  } else if (p.problems.length === 0) out.push('', 'No changes needed.');
  if (p.warnings.length + p.notes.length > 0) {
    out.push('', 'Warnings');
    for (const w of [...p.warnings, ...p.notes]) out.push(`  - ${w}`);
  }
  return out.join('\n');
}

/** Every domain's plan, or why it could not be made. */
export function renderPlans(r: DryRunResult): string {
  const plans = r.plans
    .map((p) => {
      if (p.plan) return renderPlan(p.plan);
      const e = p.error;
      return `${p.domain}: cannot be planned: ${e?.message ?? p.outcome}${e?.hint ? `\nhint: ${e.hint}` : ''}`;
    })
    .join('\n\n');
  const head = [
    ...(r.dataPath ? [`Data path: ${r.dataPath.why}`] : []),
    ...(r.server ? [renderServer(r.server)] : []),
  ];
  return [...head, plans].join('\n\n');
}

const CARRY_TEXT = {
  copy: "the source's file could replace it",
  lines: "the source's lines could be added",
  never: 'each server keeps its own',
} as const;

/** The server-level settings that differ: what each means, and the lines only one side has. */
function renderServer(s: ServerComparison): string {
  if (s.differences.length === 0)
    return `Server settings: ${s.source} and ${s.dest} agree on every setting the domains depend on`;
  const out = [`Server settings that differ (${s.source} -> ${s.dest}; nothing is changed on ${s.dest})`];
  for (const d of s.differences) {
    out.push(`  ${d.key}: ${d.why}; ${CARRY_TEXT[d.carry]}`);
    for (const l of d.onlySource) out.push(`    ${s.source} only: ${l}`);
    for (const l of d.onlyDest) out.push(`    ${s.dest} only: ${l}`);
  }
  return out.join('\n');
}
