/**
 * Comparing a domain on two servers, everything but the messages: each side's paths are
 * replaced by placeholders ({vpopmail}, {domain}, {user:alice}, {prog:ezmlm-send}) so that
 * what remains differs only where the domains really differ. Pure.
 */
import type { Inventory, TreeEntry } from './inventory-types.js';
import { comparableLimits } from './limits.js';
import { rowsByAlias } from './valias-rows.js';
import { PathMap, type PathMapping } from './path-map.js';

/** Where a program that .qmail files call lives on one side, by name. */
export type ProgramPaths = ReadonlyMap<string, string>;

export function placeholderMap(inv: Inventory, programs: ProgramPaths = new Map()): PathMap {
  const m: PathMapping[] = [
    ...inv.users.map((u) => ({ from: u.dir, to: `{user:${u.name}}`, what: `user ${u.name}` })),
    { from: inv.dir, to: '{domain}', what: 'domain directory' },
    { from: inv.vpopmailDir, to: '{vpopmail}', what: 'vpopmail home' },
    ...[...programs].map(([name, path]) => ({ from: path, to: `{prog:${name}}`, what: name })),
  ];
  return new PathMap(m);
}

function entryView(e: TreeEntry, map: PathMap): string {
  const parts = [e.type, e.mode];
  if (e.type === 'f')
    parts.push(e.content === undefined ? `${e.size}` : JSON.stringify(map.rewrite(e.content)));
  if (e.type === 'f') parts.push(`mtime ${e.mtime}`);
  if (e.type === 'l') parts.push(`-> ${map.rewrite(e.target ?? '')}`);
  return parts.join(' ');
}

/** A flat description of everything provisioning carries over: key -> value. */
export function comparableView(inv: Inventory, programs?: ProgramPaths): Map<string, string> {
  const map = placeholderMap(inv, programs);
  const v = new Map<string, string>();
  v.set('alias domains', [...inv.aliasDomains].sort().join(' ') || '(none)');
  v.set(
    'limits',
    inv.limits.source === 'domain' ? (comparableLimits(inv.limits.show) ?? '') : 'server default',
  );
  for (const q of inv.dotQmail) {
    const value =
      q.symlinkTarget !== undefined
        ? `symlink -> ${map.rewrite(q.symlinkTarget)}`
        : JSON.stringify(map.rewrite(q.content ?? ''));
    v.set(`file ${q.file}`, value);
  }
  for (const e of inv.extra) v.set(`file ${e.path}`, entryView(e, map));
  for (const [alias, lines] of rowsByAlias(inv.valias ?? []))
    v.set(`valias ${alias}`, JSON.stringify(lines.map((l) => map.rewrite(l))));
  for (const u of inv.users) {
    const k = `user ${u.name}`;
    v.set(`${k} password`, u.password.value);
    v.set(`${k} clear password`, u.clearPassword?.value ?? '(none)');
    // vadduser writes 1 on cdb and 0 on MySQL (spec 11): both mean a plain POP user.
    v.set(`${k} uid field`, u.uidField === '0' || u.uidField === '1' ? 'POP' : u.uidField);
    v.set(`${k} flags`, String(u.flags));
    v.set(`${k} gecos`, u.gecos);
    v.set(`${k} quota`, u.quota);
    v.set(`${k} .qmail`, u.dotQmail ? JSON.stringify(map.rewrite(u.dotQmail.content)) : '(none)');
    for (const e of u.extra) v.set(`${k} file ${e.path}`, entryView(e, map));
  }
  return v;
}

export interface Difference {
  key: string;
  /** undefined: absent on that side. Secrets are never part of the text shown. */
  source: string | undefined;
  destination: string | undefined;
}

const SECRET_KEY = /password$/;

export function differences(
  source: Inventory,
  destination: Inventory,
  programs: { source?: ProgramPaths; destination?: ProgramPaths } = {},
): Difference[] {
  const a = comparableView(source, programs.source);
  const b = comparableView(destination, programs.destination);
  const out: Difference[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (x !== y) out.push({ key, source: x, destination: y });
  }
  // Ownership: everything vmigrate writes belongs to the destination domain's owner. A file
  // only the destination has is not vmigrate's (a leftover of vpopmail's, the operator's).
  const fromSource = new Set([
    ...source.extra.map((e) => e.path),
    ...source.users.flatMap((u) => u.extra.map((e) => `${u.name}/${e.path}`)),
  ]);
  const owned = [
    ...destination.extra.map((e) => ({ e, key: e.path })),
    ...destination.users.flatMap((u) => u.extra.map((e) => ({ e, key: `${u.name}/${e.path}` }))),
  ];
  for (const { e, key } of owned)
    if (fromSource.has(key) && (e.uid !== destination.uid || e.gid !== destination.gid))
      out.push({
        key: `owner of ${e.path}`,
        source: `${destination.uid}:${destination.gid}`,
        destination: `${e.uid}:${e.gid}`,
      });
  return out.sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
}

/** One line per difference, secrets shown only as "differs". */
export function describeDifference(d: Difference): string {
  if (d.key.startsWith('owner of '))
    return `${d.key}: owned by ${d.destination ?? '?'} on the destination; should be the domain's owner ${d.source ?? '?'}`;
  if (d.source === undefined) return `${d.key}: only on the destination`;
  if (d.destination === undefined) return `${d.key}: missing on the destination`;
  if (SECRET_KEY.test(d.key)) return `${d.key}: differs`;
  const cut = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
  return `${d.key}: ${cut(d.source)} (source) vs ${cut(d.destination)} (destination)`;
}
