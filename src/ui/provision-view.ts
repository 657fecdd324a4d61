/** The end of `vmigrate provision`: what changed, and what the operator should look at. */
import type { ProvisionReport } from '../migration/provision.js';

export function renderProvisionReport(r: ProvisionReport): string {
  const inv = r.destInventory;
  const out = [
    r.changes === 0
      ? `${r.domain}: no changes needed on ${inv.host}`
      : `${r.domain}: ${r.changes} change(s) made on ${inv.host}; it now matches the source (messages not included)`,
    `  directory  ${inv.dir} (uid ${inv.uid}, gid ${inv.gid})`,
    `  users      ${inv.users.length}`,
  ];
  if (r.warnings.length + r.notes.length > 0) {
    out.push('Warnings');
    for (const w of [...r.warnings, ...r.notes]) out.push(`  - ${w}`);
  }
  return out.join('\n');
}
