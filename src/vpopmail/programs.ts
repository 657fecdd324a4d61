/**
 * Programs that a domain's delivery files run (`|/usr/local/bin/autorespond …`,
 * `|/usr/local/bin/ezmlm/ezmlm-send …`), and where the destination has them.
 */
import type { Remote } from '../remote/remote.js';
import type { Inventory } from './inventory-types.js';

/** Every text of the domain that qmail or a list manager may execute lines from. */
export function controlTexts(inv: Inventory): string[] {
  return [
    ...inv.dotQmail.map((q) => q.content ?? ''),
    ...inv.extra.map((e) => e.content ?? ''),
    ...inv.users.flatMap((u) => [u.dotQmail?.content ?? '', ...u.extra.map((e) => e.content ?? '')]),
  ].filter((t) => t !== '');
}

/** Shell builtins whose arguments may be paths but are not programs. */
const BUILTINS = new Set([
  'cd',
  'test',
  '[',
  'echo',
  'printf',
  'exit',
  'true',
  'false',
  ':',
  'read',
  'umask',
]);

/**
 * Absolute paths of the programs in `|program args` lines, sorted, once each. qmail hands the
 * line to `sh -c`, so it is split as the shell would split it into commands (`;`, `&&`, `||`,
 * `|`, `&`, newlines) and words; in each command the program that matters is the first
 * absolute word (`|preline /x/y` and `|exec /x/y` run /x/y). Quotes are taken off.
 */
export function programPaths(texts: readonly string[]): string[] {
  const found = new Set<string>();
  for (const text of texts)
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line.startsWith('|')) continue;
      for (const command of line.slice(1).split(/[;&|()]+/)) {
        const words = command.trim().split(/\s+/);
        // Words from the first redirection on name files, not programs.
        const redirect = words.findIndex((w) => /[<>]/.test(w));
        const kept = (redirect < 0 ? words : words.slice(0, redirect)).map((w) => w.replace(/['"]/g, ''));
        if (BUILTINS.has(kept[0] ?? '')) continue;
        const word = kept.find((w) => w.startsWith('/'));
        if (word) found.add(word);
      }
    }
  return [...found].sort();
}

export interface ProgramLocation {
  /** The path as the source's files name it (after vpopmail-home rewriting). */
  wanted: string;
  /** Where the destination has a program of that name: the same path, another, or none. */
  found: string | undefined;
}

/**
 * One read-only round trip: for each path, the path itself when executable on the destination,
 * else the first program of that name on PATH or in the usual qmail, ezmlm and vpopmail places.
 */
export async function locatePrograms(
  remote: Remote,
  paths: readonly string[],
  dirs: { qmailDir: string; vpopmailDir: string },
): Promise<ProgramLocation[]> {
  if (paths.length === 0) return [];
  const script = [
    'q=$1; v=$2; shift 2',
    'for p in "$@"; do',
    '  w=""',
    '  if [ -x "$p" ]; then w=$p; else',
    '    b=${p##*/}',
    '    w=$(command -v "$b" 2>/dev/null) || w=""',
    '    if [ -z "$w" ]; then',
    '      for d in /usr/local/bin /usr/local/bin/ezmlm /usr/bin/ezmlm /usr/local/ezmlm "$q/bin" "$v/bin"; do',
    '        if [ -x "$d/$b" ]; then w=$d/$b; break; fi',
    '      done',
    '    fi',
    '  fi',
    '  printf "%s\\t%s\\n" "$p" "$w"',
    'done',
  ].join('\n');
  const r = await remote.run(['sh', '-c', script, 'sh', dirs.qmailDir, dirs.vpopmailDir, ...paths]);
  const found = new Map(
    r.stdout
      .toString()
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => l.split('\t') as [string, string]),
  );
  return paths.map((wanted) => ({ wanted, found: found.get(wanted) || undefined }));
}
