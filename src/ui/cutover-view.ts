/** What a cutover and its rollback print when they end. */
import type { CutoverResult } from '../migration/cutover.js';
import type { CleanupResult } from '../migration/cleanup.js';
import type { RollbackResult } from '../migration/cutover-rollback.js';

const STEP_TEXT: Record<string, string> = {
  checked: 'preconditions checked',
  frozen: 'delivery held on the source (sticky domain directory)',
  'access-frozen': "users' POP, IMAP and webmail stopped on the source",
  synced: 'final sync and verify: no difference',
  rerouted: 'source control files rerouted (smtproutes, virtualdomains, locals)',
  reloaded: 'qmail-send reread its control files',
  unfrozen: 'delivery released on the source',
  swept: 'late local deliveries swept across',
  'access-restored': "users' flags restored on the source",
  'rollback-local': 'the domain is local again on the source (control files, mode, flags)',
  'rollback-reloaded': 'qmail-send reread its control files',
  'rollback-relayed': 'nothing left queued for the destination',
  'rollback-routes': 'smtproutes restored',
  'rollback-copied-back': "the destination's new mail copied back",
};

const stepLine = (s: string) => `  ✓ ${STEP_TEXT[s] ?? s}`;

export function renderCutover(r: CutoverResult): string {
  const out: string[] = [];
  if (r.steps.length === 0) out.push(`${r.domain}: already cut over (cutover ${r.cutover}); nothing to do.`);
  else {
    out.push(
      `${r.domain}: cut over to ${r.route}${r.resumed ? ' (continued)' : ''}, names ${r.names.join(', ')}`,
    );
    out.push(...r.steps.map(stepLine));
  }
  if (r.finalSync)
    out.push(`Final sync: ${r.finalSync.messagesCopied} message(s) copied, ${r.finalSync.renamed} renamed.`);
  if (r.sweep)
    out.push(
      `Sweep: ${r.sweep.passes} pass(es), ${r.sweep.copied} late message(s) copied, ${r.sweep.queuedAtStart} local delivery(ies) were queued.`,
    );
  out.push('', 'Left for you:', ...r.left.map((l) => `  - ${l}`));
  return out.join('\n');
}

export function renderRollback(r: RollbackResult): string {
  const out = [`${r.domain}: cutover ${r.cutover} rolled back.`, ...r.steps.map(stepLine)];
  const merged = r.undone.filter((u) => u.how === 'merged').map((u) => u.target);
  const left = r.undone.filter((u) => u.how === 'left').map((u) => u.target);
  if (merged.length > 0)
    out.push(`Changed by others since the cutover, only vmigrate's lines taken back: ${merged.join(', ')}`);
  if (left.length > 0) out.push(`Changed by others since the cutover, left as found: ${left.join(', ')}`);
  if (r.copiedBack) out.push(`Copied back: ${r.copiedBack.messagesCopied} message(s).`);
  out.push('', 'Left for you:', ...r.left.map((l) => `  - ${l}`));
  return out.join('\n');
}

export function renderCleanup(r: CleanupResult): string {
  if (r.removed.length === 0 && !r.kept)
    return `${r.domain}: already removed from the source; nothing to do.`;
  const verified = `${r.domain}: ${r.verifiedMessages} message(s) verified on the destination by checksum`;
  if (!r.kept) return `${verified}; removed ${r.removed.join(', ')} from the source.`;
  return [
    `${verified}; ${r.removed.length > 0 ? "removed from the source's rcpthosts (it refuses the domain's mail now)" : "not in the source's rcpthosts"}.`,
    'Its Unix accounts are as they were; remove them yourself when you are sure (user: its mail):',
    ...r.kept.map((k) => `  ${k}`),
  ].join('\n');
}
