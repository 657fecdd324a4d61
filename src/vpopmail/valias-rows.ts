/**
 * The valias table's rows (vpopmail built with --enable-valias, spec 11) as aliases, and the
 * `valias` commands that make a destination's rows those of the source. Pure.
 */
import type { BatchStep } from '../remote/batch.js';
import type { ValiasRow } from './inventory-types.js';
import type { PathMap } from './path-map.js';
import type { ProvisionMode } from './provision-steps.js';

/** The lines of each alias, aliases in their first row's order, lines in row order. */
export function rowsByAlias(rows: readonly ValiasRow[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const r of rows) by.set(r.alias, [...(by.get(r.alias) ?? []), r.line]);
  return by;
}

/**
 * For each alias whose lines differ on the destination: the missing lines appended with
 * `valias -i` when what is there is the start of them (a run cut short), else the alias
 * deleted (`valias -d`, all its rows) and written again, so that the order vdelivermail
 * delivers in is the source's. Aliases only the destination has are left as they are.
 */
export function valiasSteps(
  source: readonly ValiasRow[],
  dest: readonly ValiasRow[],
  o: { bin: string; domain: string; map: PathMap; mode: ProvisionMode; notes: string[] },
): BatchStep[] {
  const have = rowsByAlias(dest);
  const steps: BatchStep[] = [];
  for (const [alias, raw] of rowsByAlias(source)) {
    const want = raw.map((l) => o.map.rewrite(l));
    const now = have.get(alias) ?? [];
    const addr = `${alias}@${o.domain}`;
    if (now.length === want.length && now.every((l, i) => l === want[i])) continue;
    const isStart = now.every((l, i) => l === want[i]);
    if (!isStart && o.mode === 'merge') {
      o.notes.push(`alias ${addr} has other valias rows on the destination: left as it is (--merge)`);
      continue;
    }
    if (!isStart)
      steps.push({ title: `clear the valias rows of ${addr}`, argv: [`${o.bin}/valias`, '-d', addr] });
    for (const line of isStart ? want.slice(now.length) : want)
      steps.push({ title: `add a valias row to ${addr}`, argv: [`${o.bin}/valias`, '-i', line, addr] });
  }
  return steps;
}
