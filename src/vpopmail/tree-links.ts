/**
 * Symbolic links of a domain's files (list and autoresponder directories, user extras) whose
 * target lies outside the domain. Such a link is not recreated on the destination: whatever it
 * points at on the source is not part of the move, and on the destination it would lead
 * writes out of the domain. The plan and provisioning report each one. Pure.
 */
import { posix } from 'node:path';
import type { Inventory, TreeEntry } from './inventory-types.js';

export interface OutsideLink {
  /** The key the link has in compare.ts's comparable view. */
  key: string;
  /** Where it is, as an operator finds it on the source. */
  path: string;
  target: string;
}

function inside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

function outside(base: string, domainDir: string, e: TreeEntry): boolean {
  if (e.type !== 'l' || e.target === undefined) return false;
  const at = `${base}/${e.path}`;
  const resolved = posix.resolve(posix.dirname(at), e.target);
  return !inside(resolved, domainDir) && !inside(resolved, base);
}

export function linksOutsideDomain(inv: Inventory): OutsideLink[] {
  const out: OutsideLink[] = [];
  for (const e of inv.extra)
    if (outside(inv.dir, inv.dir, e))
      out.push({ key: `file ${e.path}`, path: `${inv.dir}/${e.path}`, target: e.target ?? '' });
  for (const u of inv.users)
    for (const e of u.extra)
      if (outside(u.dir, inv.dir, e))
        out.push({
          key: `user ${u.name} file ${e.path}`,
          path: `${u.dir}/${e.path}`,
          target: e.target ?? '',
        });
  return out;
}

export function describeOutsideLink(l: OutsideLink): string {
  return `${l.path} is a symbolic link to ${l.target}, outside the domain: not recreated on the destination`;
}
