/**
 * The server-level settings a host's domains depend on (`move --all --server`), read from both
 * hosts and compared: vpopmail's default limits (every domain without its own), its default
 * domain, qmail's control files that name the host or bound mail (me and what derives from it,
 * databytes), the smtproutes lines of the moved domains, and tcpserver's relay rules. What
 * differs is shown; nothing on the destination is replaced silently. Pure.
 */
import { Buffer } from 'node:buffer';
import { VmigrateError } from '../errors.js';

export interface SettingFile {
  key: string;
  path: string;
  /** undefined: the file does not exist. */
  content: string | undefined;
}

export function parseServerSettings(text: string, host: string): SettingFile[] {
  const lines = text.split('\n');
  if (lines[0] !== '@@vmigrate-server-settings 1' || !lines.includes('@@end'))
    throw new VmigrateError(`the server settings of ${host} ended early or are not vmigrate's`, { host });
  const out: SettingFile[] = [];
  for (const line of lines) {
    const file = /^@@file (\S+) (\S+) ([0-9a-f]*)$/.exec(line);
    if (file?.[1] && file[2])
      out.push({ key: file[1], path: file[2], content: Buffer.from(file[3] ?? '', 'hex').toString('utf8') });
    const absent = /^@@absent (\S+) (\S+)$/.exec(line);
    if (absent?.[1] && absent[2]) out.push({ key: absent[1], path: absent[2], content: undefined });
  }
  return out;
}

export interface SettingDifference {
  key: string;
  sourcePath: string | undefined;
  destPath: string | undefined;
  /** Lines (or the value) only the source has, and only the destination has. */
  onlySource: string[];
  onlyDest: string[];
  /** What it means for the moved domains, and what the operator would do. */
  why: string;
  /**
   * copy: the source's file may replace the destination's (asked for); lines: the source's
   * missing lines may be added; never: each server keeps its own (shown for information).
   */
  carry: 'copy' | 'lines' | 'never';
  /** The source's whole file (all its places, for tcp.smtp), what a copy writes. */
  sourceText: string | undefined;
}

/** Settings qmail derives from control/me when they are absent. */
const FROM_ME = new Set(
  [
    'defaultdomain',
    'defaulthost',
    'plusdomain',
    'idhost',
    'helohost',
    'bouncehost',
    'doublebouncehost',
    'localiphost',
    'envnoathost',
  ].map((k) => `control/${k}`),
);

const WHY: Record<string, { why: string; carry: SettingDifference['carry'] }> = {
  'vlimits.default': {
    why: "vpopmail's default limits: every domain without a .qmailadmin-limits of its own gets these",
    carry: 'copy',
  },
  'vpopmail-defaultdomain': {
    why: "vpopmail's default domain: logins without @domain (POP, IMAP, SMTP AUTH) belong to it",
    carry: 'copy',
  },
  'control/me': { why: "the server's own name", carry: 'never' },
  'control/databytes': { why: 'the largest message qmail-smtpd accepts', carry: 'copy' },
  'control/smtproutes': { why: 'where qmail-remote sends mail for these domains', carry: 'lines' },
  'tcp.smtp': { why: "tcpserver's rules for qmail-smtpd: who may relay (RELAYCLIENT)", carry: 'lines' },
};

function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** smtproutes lines that concern a domain (`domain:relay`, `.domain` for its subdomains). */
function routeOf(line: string, domains: ReadonlySet<string>): boolean {
  const host = line.slice(0, line.indexOf(':')).toLowerCase();
  return domains.has(host) || [...domains].some((d) => host.startsWith('.') && d.endsWith(host));
}

/**
 * What differs between the two hosts' settings for `domains` (the domains moved). A file
 * absent on both, or equal, is left out; control/me-derived settings absent on the source are
 * named once (they follow the destination's own name there).
 */
export function compareServerSettings(
  source: readonly SettingFile[],
  dest: readonly SettingFile[],
  domains: readonly string[],
): SettingDifference[] {
  const moved = new Set(domains.map((d) => d.toLowerCase()));
  const keys = [...new Set([...source, ...dest].map((f) => f.key))];
  const out: SettingDifference[] = [];
  for (const key of keys) {
    // tcp.smtp may be in several places: the lines of all of them.
    const s = source.filter((f) => f.key === key && f.content !== undefined);
    const d = dest.filter((f) => f.key === key && f.content !== undefined);
    let a = s.flatMap((f) => lines(f.content));
    let b = d.flatMap((f) => lines(f.content));
    if (key === 'control/smtproutes') {
      a = a.filter((l) => routeOf(l, moved));
      b = b.filter((l) => routeOf(l, moved));
    }
    if (key === 'tcp.smtp') {
      a = a.filter((l) => /RELAYCLIENT/.test(l));
      b = b.filter((l) => /RELAYCLIENT/.test(l));
    }
    const onlySource = a.filter((l) => !b.includes(l));
    const onlyDest = b.filter((l) => !a.includes(l));
    if (onlySource.length === 0 && onlyDest.length === 0) continue;
    const known = WHY[key] ?? {
      why: FROM_ME.has(key)
        ? `qmail takes it from control/me where the file is absent`
        : 'a qmail setting the domains depend on',
      carry: FROM_ME.has(key) ? ('never' as const) : ('copy' as const),
    };
    out.push({
      key,
      sourcePath: s[0]?.path,
      destPath: d[0]?.path ?? dest.find((f) => f.key === key)?.path,
      onlySource,
      onlyDest,
      ...known,
      sourceText: s.length === 0 ? undefined : s.map((f) => f.content).join(''),
    });
  }
  return out;
}
