/** `vmigrate inventory` for a terminal: a summary, then one row per user. */
import type { Inventory } from '../vpopmail/inventory-types.js';
import { flagNames } from '../vpopmail/flags.js';
import { rowsByAlias } from '../vpopmail/valias-rows.js';
import { formatBytes, renderTable } from './table.js';

function catchAllText(inv: Inventory): string {
  const c = inv.catchAll;
  switch (c.kind) {
    case 'bounce':
      return 'bounce';
    case 'delete':
      return 'delete';
    case 'mailbox':
      return `deliver to ${c.path}`;
    case 'forward':
      return `forward to ${c.address}`;
    case 'custom':
      return `custom .qmail-default (${c.lines.length} lines)`;
  }
}

export function renderInventory(inv: Inventory): string {
  const roles = new Map<string, number>();
  for (const d of inv.dotQmail) roles.set(d.role, (roles.get(d.role) ?? 0) + 1);
  const summary = [
    `${inv.domain} on ${inv.host}${inv.realDomain !== inv.domain ? ` (alias of ${inv.realDomain})` : ''}`,
    `  directory      ${inv.dir} (uid ${inv.uid}, gid ${inv.gid})`,
    `  alias domains  ${inv.aliasDomains.join(', ') || 'none'}`,
    `  catch-all      ${catchAllText(inv)}`,
    `  .qmail files   ${[...roles].map(([r, n]) => `${n} ${r}`).join(', ') || 'none'}`,
    ...(inv.valias
      ? [`  valias table   ${rowsByAlias(inv.valias).size} alias(es), ${inv.valias.length} row(s)`]
      : []),
    `  limits         ${inv.limits.source === 'domain' ? 'own .qmailadmin-limits' : 'server defaults'}`,
    `  other files    ${inv.extra.length}`,
    `  users          ${inv.totals.users}, ${inv.totals.messages} messages, ${formatBytes(inv.totals.bytes)}`,
    '',
  ];
  const rows = inv.users.map((u) => [
    u.name,
    u.quota || '(none)',
    flagNames(u.flags).join(',') || '-',
    u.passwordScheme,
    u.hasClearPassword ? 'yes' : 'no',
    u.dotQmail ? 'yes' : '-',
    String(u.folders.length),
    String(u.messages),
    formatBytes(u.bytes),
  ]);
  return (
    summary.join('\n') +
    renderTable(
      ['USER', 'QUOTA', 'FLAGS', 'PASSWORD', 'CLEAR', '.QMAIL', 'FOLDERS', 'MESSAGES', 'SIZE'],
      rows,
    )
  );
}
