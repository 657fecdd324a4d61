/**
 * Where the source's valias rows (vpopmail built with --enable-valias) go on the destination.
 * A destination built the same way gets them as rows, through `valias -i`. Any other gets each
 * alias as the `.qmail-<alias>` file vpopmail's cdb build keeps aliases in: qmail-local reads
 * it before vdelivermail runs, as vdelivermail reads the rows before mailboxes, and a line
 * means the same in both (spec 5.13, 6), so the alias delivers as it did. What means
 * something else there, or cannot be written at all, is refused per alias before anything
 * changes, or left out and named when told to skip it. Pure.
 */
import type { Capabilities } from '../hosts/probe.js';
import { parseDotQmail, roleOf } from '../vpopmail/dot-qmail.js';
import type { DomainDotQmail, Inventory, ValiasRow } from '../vpopmail/inventory-types.js';
import type { PathMap } from '../vpopmail/path-map.js';
import { rowsByAlias } from '../vpopmail/valias-rows.js';

/** valias.c copies its -i argument into AliasLine[MAX_BUFF] (300): 299 characters go in. */
export const VALIAS_LINE_MAX = 299;

export type AliasStore = 'table' | 'files';

export function aliasStoreOf(caps: Capabilities): AliasStore {
  return caps.vpopmail?.backend === 'mysql' && caps.vpopmail.valias === true ? 'table' : 'files';
}

/** The part after `.qmail-`: qmail-local maps `.` in an address to `:`. */
const filePart = (alias: string) => alias.replaceAll('.', ':');

/** Why an alias's lines cannot become a .qmail file that delivers the same; empty when they can. */
function unfitAsFile(alias: string, lines: readonly string[]): string[] {
  const why: string[] = [];
  if (alias === 'default')
    why.push('as a .qmail file it would be .qmail-default, the catch-all of the domain');
  if (alias === '' || alias.includes('/')) why.push('its name cannot be a file name');
  for (const line of lines)
    if (/^[./]/.test(line) && !line.endsWith('/'))
      why.push(
        `its line "${line}" makes vdelivermail defer every message (no mailbox file delivery); in a .qmail file it would deliver to a file`,
      );
  return why;
}

/** Why the lines cannot go into the destination's table through valias -i; empty when they can. */
function unfitAsRows(lines: readonly string[], map: PathMap): string[] {
  const why: string[] = [];
  if (new Set(lines).size !== lines.length) why.push('it has the same line twice, which valias -i refuses');
  for (const line of lines.map((l) => map.rewrite(l)))
    if (line.length > VALIAS_LINE_MAX)
      why.push(`a line is ${line.length} characters on the destination; valias -i keeps ${VALIAS_LINE_MAX}`);
  if (lines.some((l) => l.startsWith(' '))) why.push('a line starts with a space, which valias -i removes');
  return why;
}

export interface ValiasPlacement {
  inventory: Inventory;
  problems: string[];
  warnings: string[];
  notes: string[];
}

export function placeValiasRows(
  inv: Inventory,
  o: {
    store: AliasStore;
    map: PathMap;
    skip: boolean;
    source: { label: string; valiasKnown: boolean };
    destLabel: string;
  },
): ValiasPlacement {
  const out: ValiasPlacement = { inventory: inv, problems: [], warnings: [], notes: [] };
  const rows = inv.valias ?? [];
  if (rows.length === 0) return out;
  const by = rowsByAlias(rows);
  const at = (alias: string) => `${alias}@${inv.domain}`;
  out.notes.push(
    `${by.size} alias(es) of ${inv.domain} are rows of vpopmail's valias table on ${o.source.label}, read through its mysql client with vpopmail's own login (etc/vpopmail.mysql)`,
  );
  if (!o.source.valiasKnown)
    out.warnings.push(
      `${o.source.label} has no ~vpopmail/include/vpopmail_config.h to tell whether vpopmail there reads the valias table: its rows for ${inv.domain} are moved as live aliases`,
    );
  const refuse = (alias: string, why: string[]) => {
    if (o.skip)
      out.warnings.push(
        `alias ${at(alias)} left out (--skip-unrepresentable): ${o.destLabel} cannot store it: ${why.join('; ')}`,
      );
    else
      out.problems.push(
        `alias ${at(alias)} cannot be stored on ${o.destLabel}: ${why.join('; ')} (--skip-unrepresentable leaves such aliases out)`,
      );
  };

  if (o.store === 'table') {
    const kept: ValiasRow[] = [];
    for (const [alias, lines] of by) {
      const why = unfitAsRows(lines, o.map);
      if (why.length > 0) refuse(alias, why);
      else kept.push(...lines.map((line) => ({ alias, line })));
    }
    out.inventory = { ...inv, valias: kept };
    return out;
  }

  const files = new Set(inv.dotQmail.map((q) => q.file));
  const added: DomainDotQmail[] = [];
  for (const [alias, lines] of by) {
    const file = `.qmail-${filePart(alias)}`;
    if (files.has(file)) {
      out.notes.push(
        `alias ${at(alias)}: its valias rows are never read on ${o.source.label}, where ${file} takes precedence; that file is moved, the rows are not`,
      );
      continue;
    }
    const why = unfitAsFile(alias, lines);
    if (why.length > 0) {
      refuse(alias, why);
      continue;
    }
    const content = `${lines.join('\n')}\n`;
    const parsed = parseDotQmail(content);
    added.push({
      name: alias,
      file,
      role: roleOf(filePart(alias), parsed, undefined),
      symlinkTarget: undefined,
      content,
      lines: parsed,
    });
  }
  if (added.length > 0)
    out.notes.push(
      `${o.destLabel} keeps aliases in .qmail files (vpopmail there is built without valias): ${added.length} alias(es) of ${inv.domain} are written as .qmail-<alias> files`,
    );
  out.inventory = {
    ...inv,
    valias: undefined,
    dotQmail: [...inv.dotQmail, ...added].sort((a, b) => (a.file < b.file ? -1 : 1)),
  };
  return out;
}
