/** What a .qmail file does, read line by line as qmail-local reads it (spec 6, 7). */

export type DeliveryLine =
  | { kind: 'comment'; text: string }
  | { kind: 'forward'; address: string }
  | { kind: 'maildir'; path: string }
  | { kind: 'mbox'; path: string }
  | { kind: 'program'; command: string };

export function parseDotQmail(content: string): DeliveryLine[] {
  const out: DeliveryLine[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) out.push({ kind: 'comment', text: line });
    else if (line.startsWith('|')) out.push({ kind: 'program', command: line.slice(1).trim() });
    else if (line.startsWith('/') || line.startsWith('.'))
      out.push(line.endsWith('/') ? { kind: 'maildir', path: line } : { kind: 'mbox', path: line });
    else out.push({ kind: 'forward', address: line.replace(/^&/, '') });
  }
  return out;
}

export type DotQmailRole =
  'alias' | 'forward' | 'autoresponder' | 'mailing-list' | 'program' | 'catch-all' | 'empty';

/** The role of a domain-level .qmail-<name> file: what an operator would call it. */
export function roleOf(name: string, lines: readonly DeliveryLine[], symlinkTarget?: string): DotQmailRole {
  if (name === 'default') return 'catch-all';
  const programs = lines
    .filter((l) => l.kind === 'program')
    .map((l) => (l.kind === 'program' ? l.command : ''));
  if (symlinkTarget !== undefined || programs.some((c) => /(^|\/)ezmlm-/.test(c))) return 'mailing-list';
  if (programs.some((c) => /(^|\/)(autorespond|qmail-autoresponder)\b/.test(c))) return 'autoresponder';
  if (programs.length > 0) return 'program';
  if (lines.every((l) => l.kind === 'comment')) return 'empty';
  if (lines.some((l) => l.kind === 'maildir' || l.kind === 'mbox')) return 'alias';
  return 'forward';
}

export type CatchAll =
  | { kind: 'bounce' }
  | { kind: 'delete' }
  | { kind: 'mailbox'; path: string }
  | { kind: 'forward'; address: string }
  | { kind: 'custom'; lines: DeliveryLine[] };

/** `.qmail-default` as vadddomain writes it: `| <vpopmail>/bin/vdelivermail '' <target>`. */
export function parseCatchAll(content: string | undefined): CatchAll {
  const lines = parseDotQmail(content ?? '');
  const only = lines.length === 1 ? lines[0] : undefined;
  const m =
    only?.kind === 'program' ? /(?:^|\/)vdelivermail\s+(?:''|"")\s+(\S+)\s*$/.exec(only.command) : null;
  if (!m?.[1]) return { kind: 'custom', lines };
  const target = m[1];
  if (target === 'bounce-no-mailbox') return { kind: 'bounce' };
  if (target === 'delete') return { kind: 'delete' };
  if (target.startsWith('/')) return { kind: 'mailbox', path: target };
  return { kind: 'forward', address: target };
}
