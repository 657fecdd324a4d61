/**
 * Rewriting absolute paths from the source server's layout to the destination's. Pure.
 *
 * A path is only rewritten where it stands as a whole path component sequence: `/d/alice` is
 * rewritten inside `/d/alice/Maildir/` and `'/d/alice'`, never inside `/d/alice2` or
 * `/x/d/alice`. When several source paths match at one place the longest wins, so a user
 * directory beats its domain directory, which beats the vpopmail home. Relative paths
 * (`./Maildir/`) are left alone: they are relative to the domain directory on both sides.
 */

export interface PathMapping {
  from: string;
  to: string;
  /** What the mapping stands for, for the plan display: "vpopmail home", "user alice", … */
  what: string;
}

/** Characters that may continue a path name; anything else ends (or precedes) a path. */
const NAME_CHAR = '[A-Za-z0-9._+=@~-]';

function stripSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export class PathMap {
  readonly mappings: readonly PathMapping[];
  private readonly pattern: RegExp | undefined;
  private readonly targets: Map<string, string>;

  constructor(mappings: readonly PathMapping[]) {
    const cleaned = mappings
      .map((m) => ({ ...m, from: stripSlash(m.from), to: stripSlash(m.to) }))
      .filter((m) => m.from.startsWith('/') && m.from !== '/');
    // Identical source paths: the first one given is kept.
    const seen = new Set<string>();
    this.mappings = cleaned.filter((m) => !seen.has(m.from) && seen.add(m.from));
    this.targets = new Map(this.mappings.map((m) => [m.from, m.to]));
    const alternatives = [...this.mappings]
      .filter((m) => m.from !== m.to)
      .sort((a, b) => b.from.length - a.from.length)
      .map((m) => escape(m.from));
    this.pattern =
      alternatives.length === 0
        ? undefined
        : new RegExp(`(?<!${NAME_CHAR}|/)(?:${alternatives.join('|')})(?!${NAME_CHAR})`, 'g');
  }

  /** The text with every mapped path replaced. */
  rewrite(text: string): string {
    if (!this.pattern) return text;
    return text.replace(this.pattern, (m) => this.targets.get(m) ?? m);
  }

  /** One path, rewritten (the same rule as in text). */
  rewritePath(path: string): string {
    return this.rewrite(path);
  }
}

/**
 * Absolute paths in `text` that lie under one of `roots` (source-only directories): what is
 * left to warn about after rewriting. Each is reported once, cut at the first character that
 * cannot belong to a path.
 */
export function pathsUnder(text: string, roots: readonly string[]): string[] {
  const found = new Set<string>();
  for (const root of roots.map(stripSlash)) {
    const re = new RegExp(`(?<!${NAME_CHAR}|/)${escape(root)}(?:/[^\\s'"|;&<>]*)?(?!${NAME_CHAR})`, 'g');
    for (const m of text.matchAll(re)) found.add(m[0]);
  }
  return [...found].sort();
}
