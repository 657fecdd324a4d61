/**
 * What provisioning must do on the destination, from the source's inventory and the
 * destination's current one. Pure: the same inputs give the same steps, and a destination that
 * already matches gives none (that is what makes a second run a no-op).
 *
 * Two phases, because the destination chooses its own hashed directories: `accountSteps`
 * (domain and users, by vpopmail's commands), then, once those directories have been read
 * back, `fileSteps` (every file that names a path, rewritten; list and autoresponder trees;
 * alias domains; limits).
 */
import { Buffer } from 'node:buffer';
import type { BatchStep } from '../remote/batch.js';
import { Secret } from '../remote/quote.js';
import type { Inventory, InventoryUser, TreeEntry } from './inventory-types.js';
import { vmoduserFlagArgs } from './flags.js';
import { comparableLimits, limitsArgs } from './limits.js';
import type { PathMap } from './path-map.js';
import { kindOf } from '../maildir/delta.js';
import { linksOutsideDomain, type OutsideLink } from './tree-links.js';
import { valiasSteps } from './valias-rows.js';

export type ProvisionMode = 'create' | 'converge' | 'merge';

export interface AccountInput {
  source: Inventory;
  /** The destination's domain, or undefined when it does not exist yet. */
  dest: Inventory | undefined;
  mode: ProvisionMode;
  destBin: string;
  /** Text of the marker left in a domain vmigrate created. */
  marker: string;
  /** A throw-away password of 16+ characters (vpopmail 5.6 refuses fewer than 12). */
  dummyPassword: () => string;
}

export interface StepPlan {
  steps: BatchStep[];
  /** Things merge mode leaves as they are, and things vpopmail's commands cannot express. */
  notes: string[];
}

const MARKER_SCRIPT =
  'd=$("$1/vdominfo" -d "$2" | head -n 1) && [ -d "$d" ] && umask 077 && ' +
  'printf "%s\\n" "$3" > "$d/.vmigrate-origin" && chown --reference="$d" "$d/.vmigrate-origin"';

/**
 * The fewest vpopmail commands that make the user exactly: one `vadduser`, and one `vmoduser`
 * when the exact hash must replace the one vadduser made from the clear password, or flags
 * must be set (vmoduser takes both at once). Each command rewrites vpasswd.cdb whole.
 */
function addUserSteps(bin: string, u: InventoryUser, domain: string, dummy: () => string): BatchStep[] {
  const addr = `${u.name}@${domain}`;
  const quota = ['-q', u.quota === '' ? '0' : u.quota];
  const flags = u.flags !== 0 ? vmoduserFlagArgs(u.flags) : [];
  if (u.clearPassword)
    return [
      {
        title: `add user ${addr}`,
        argv: [`${bin}/vadduser`, '-c', u.gecos, ...quota, addr, u.clearPassword],
      },
      {
        title: `set the password hash${flags.length > 0 ? ' and flags' : ''} of ${addr}`,
        argv: [`${bin}/vmoduser`, '-e', u.password, ...flags, addr],
      },
    ];
  // -e stores the hash verbatim and empties the clear field; the dummy is encrypted first
  // and then replaced, never stored.
  const steps: BatchStep[] = [
    {
      title: `add user ${addr}`,
      argv: [`${bin}/vadduser`, '-e', u.password, '-c', u.gecos, ...quota, addr, new Secret(dummy())],
    },
  ];
  if (flags.length > 0)
    steps.push({ title: `set the flags of ${addr}`, argv: [`${bin}/vmoduser`, ...flags, addr] });
  return steps;
}

/** Steps that make an existing user match `u`; `have` undefined means "unknown, set all". */
function setUserSteps(
  bin: string,
  u: InventoryUser,
  have: InventoryUser | undefined,
  domain: string,
  notes: string[],
): BatchStep[] {
  const addr = `${u.name}@${domain}`;
  const steps: BatchStep[] = [];
  const clearDiffers = u.clearPassword && u.clearPassword.value !== have?.clearPassword?.value;
  if (clearDiffers && u.clearPassword)
    steps.push({
      title: `set the clear-text password of ${addr}`,
      argv: [`${bin}/vmoduser`, '-C', u.clearPassword, addr],
    });
  if (clearDiffers || u.password.value !== have?.password.value)
    steps.push({
      title: `set the password hash of ${addr}`,
      argv: [`${bin}/vmoduser`, '-e', u.password, addr],
    });
  if (!u.clearPassword && have?.clearPassword)
    notes.push(
      `${addr} has a clear-text password on the destination only; vpopmail's commands cannot remove it without deleting the mailbox`,
    );
  if (u.gecos !== have?.gecos)
    steps.push({ title: `set the name (gecos) of ${addr}`, argv: [`${bin}/vmoduser`, '-c', u.gecos, addr] });
  if (u.quota !== have?.quota)
    steps.push({
      title: `set the quota of ${addr}`,
      argv: [`${bin}/vsetuserquota`, addr, u.quota === '' ? '0' : u.quota],
    });
  if (u.flags !== have?.flags)
    steps.push({
      title: `set the flags of ${addr}`,
      argv: [`${bin}/vmoduser`, ...vmoduserFlagArgs(u.flags), addr],
    });
  return steps;
}

function userDiffers(u: InventoryUser, have: InventoryUser): boolean {
  return (
    u.password.value !== have.password.value ||
    (u.clearPassword?.value ?? '') !== (have.clearPassword?.value ?? '') ||
    u.gecos !== have.gecos ||
    u.quota !== have.quota ||
    u.flags !== have.flags
  );
}

function markerStep(bin: string, domain: string, marker: string): BatchStep {
  return {
    title: `mark ${domain} as created by vmigrate`,
    argv: ['sh', '-c', MARKER_SCRIPT, 'sh', bin, domain, marker],
    display: `write .vmigrate-origin in the domain directory ("${marker}")`,
  };
}

export function accountSteps(input: AccountInput): StepPlan {
  const { source, dest, mode, destBin: bin } = input;
  const domain = source.domain;
  const steps: BatchStep[] = [];
  const notes: string[] = [];
  const destUsers = new Map((dest?.users ?? []).map((u) => [u.name, u]));

  if (!dest) {
    const pm = source.users.find((u) => u.name === 'postmaster');
    const password = pm?.clearPassword ?? new Secret(input.dummyPassword());
    steps.push({ title: `add domain ${domain}`, argv: [`${bin}/vadddomain`, domain, password] });
    steps.push(markerStep(bin, domain, input.marker));
    if (pm?.clearPassword) {
      destUsers.set('postmaster', {
        ...pm,
        password: new Secret(''),
        gecos: 'Postmaster',
        quota: '?',
        flags: -1,
      });
    } else {
      // vadddomain needs a password; without a clear one on the source, postmaster is made
      // again with its hash (vadduser -e) so that no clear text is left behind.
      steps.push({
        title: `remove the placeholder postmaster@${domain}`,
        argv: [`${bin}/vdeluser`, `postmaster@${domain}`],
      });
    }
  }

  // A domain whose creation an earlier run began (it stopped before the marker) is finished
  // as if it had been marked.
  if (dest && mode === 'converge' && dest.provisionedBy === undefined)
    steps.push(markerStep(bin, domain, input.marker));

  for (const u of source.users) {
    const have = destUsers.get(u.name);
    if (!have) steps.push(...addUserSteps(bin, u, domain, input.dummyPassword));
    else if (mode === 'merge') {
      if (userDiffers(u, have))
        notes.push(
          `user ${u.name}@${domain} exists on the destination with other settings: left as it is (--merge)`,
        );
    } else steps.push(...setUserSteps(bin, u, have, domain, notes));
  }
  for (const name of destUsers.keys())
    if (!source.users.some((u) => u.name === name))
      notes.push(`user ${name}@${domain} exists only on the destination: left as it is`);
  for (const u of source.users)
    if (u.uidField !== '1' && u.uidField !== '0')
      notes.push(
        `user ${u.name}@${domain}: vpasswd uid field ${u.uidField} (APOP) cannot be set with vpopmail's commands; the destination has vadduser's (1 on cdb, 0 on MySQL)`,
      );
  return { steps, notes };
}

export interface RelayJob {
  title: string;
  sourceBase: string;
  destBase: string;
  /** Paths relative to both bases, parents before children. */
  members: string[];
}

export interface FileInput {
  source: Inventory;
  /** The destination's domain after the account phase (its real directories). */
  dest: Inventory;
  mode: ProvisionMode;
  destBin: string;
  map: PathMap;
}

export interface FilePlan extends StepPlan {
  /** Run before the relays: entries on the destination whose kind changed on the source. */
  prepare: BatchStep[];
  relays: RelayJob[];
  /** What stops provisioning: the destination has something in the way that vmigrate will not remove. */
  problems: string[];
  /** Symbolic links pointing outside the domain: not recreated (see tree-links.ts). */
  outsideLinks: OutsideLink[];
}

const WRITE_SCRIPT =
  'umask 077; t="${1%/*}/.vmigrate-new.${1##*/}"; printf %s "$2" > "$t" && chown "$3" "$t" && ' +
  'chmod "$4" "$t" && { [ -z "$5" ] || touch -d "@$5" "$t"; } && mv -f "$t" "$1"';
const LINK_SCRIPT = 'ln -sfn "$2" "$1" && chown -h "$3" "$1"';

/** `mtime` undefined: the file gets the time of writing. */
function writeStep(
  title: string,
  path: string,
  content: string,
  owner: string,
  mode: string,
  mtime?: number,
): BatchStep {
  return {
    title,
    argv: [
      'sh',
      '-c',
      WRITE_SCRIPT,
      'sh',
      path,
      content,
      owner,
      mode,
      mtime === undefined ? '' : String(mtime),
    ],
    display: `write ${path} (${Buffer.byteLength(content)} bytes, mode ${mode})`,
  };
}

function linkStep(title: string, path: string, target: string, owner: string): BatchStep {
  return {
    title,
    argv: ['sh', '-c', LINK_SCRIPT, 'sh', path, target, owner],
    display: `symlink ${path} -> ${target}`,
  };
}

/**
 * Files of one tree (the domain's extras or one user's) that differ from the destination's.
 * An entry whose kind changed (a link that became a directory, …) is removed on the destination
 * first, so that nothing is ever written through the old link; merge mode leaves it, and what
 * lies under it, as it is. A directory in the way of something else is never removed: that is
 * the operator's call.
 */
function treeSteps(
  entries: readonly TreeEntry[],
  have: readonly TreeEntry[],
  base: { source: string; dest: string; label: string },
  ctx: { map: PathMap; owner: string; mode: ProvisionMode; outside: ReadonlySet<string> },
  out: FilePlan,
): void {
  const existing = new Map(have.map((e) => [e.path, e]));
  const members: string[] = [];
  /** Paths whose subtree is left alone (merge mode, or a directory in the way). */
  const held: string[] = [];
  const underHeld = (p: string) => held.some((h) => p.startsWith(`${h}/`));
  for (const e of entries) {
    if (underHeld(e.path)) continue;
    let h = existing.get(e.path);
    const path = `${base.dest}/${e.path}`;
    if (e.type === 'l' && ctx.outside.has(`${base.source}/${e.path}`)) continue;
    if (h && h.type !== e.type) {
      if (ctx.mode === 'merge') {
        out.notes.push(
          `${path} is ${kindOf(h.type)} on the destination and ${kindOf(e.type)} on the source: left as it is (--merge)`,
        );
        held.push(e.path);
        continue;
      }
      if (h.type === 'd') {
        out.problems.push(
          `${path} is a directory on the destination but ${kindOf(e.type)} on the source: move it aside there, vmigrate does not remove directories`,
        );
        held.push(e.path);
        continue;
      }
      out.prepare.push({
        title: `remove ${base.label} ${e.path} (${kindOf(h.type)} on the destination, ${kindOf(e.type)} on the source)`,
        argv: ['rm', '-f', '--', path],
      });
      h = undefined;
    }
    if (h && ctx.mode === 'merge') continue;
    if (e.type === 'd') {
      if (!h) members.push(e.path);
      else if (h.mode !== e.mode)
        out.steps.push({ title: `set the mode of ${path}`, argv: ['chmod', e.mode, path] });
    } else if (e.type === 'l') {
      const target = ctx.map.rewrite(e.target ?? '');
      if (h?.target !== target)
        out.steps.push(linkStep(`link ${base.label} ${e.path}`, path, target, ctx.owner));
    } else if (e.type === 'f' && e.content !== undefined) {
      const content = ctx.map.rewrite(e.content);
      if (h?.content !== content || h.mode !== e.mode || h.mtime !== e.mtime)
        out.steps.push(writeStep(`write ${base.label} ${e.path}`, path, content, ctx.owner, e.mode, e.mtime));
    } else if (e.type === 'f') {
      if (h?.size !== e.size || h.mtime !== e.mtime || h.mode !== e.mode) members.push(e.path);
    }
  }
  if (members.length > 0)
    out.relays.push({
      title: `copy ${members.length} file(s) of ${base.label}`,
      sourceBase: base.source,
      destBase: base.dest,
      members,
    });
}

export function fileSteps(input: FileInput): FilePlan {
  const { source, dest, mode, map, destBin: bin } = input;
  const domain = source.domain;
  const owner = `${dest.uid}:${dest.gid}`;
  const outsideLinks = linksOutsideDomain(source);
  const out: FilePlan = { steps: [], notes: [], relays: [], prepare: [], problems: [], outsideLinks };
  // Reported by the preflight's warnings; here they are only left out.
  const ctx = { map, owner, mode, outside: new Set(outsideLinks.map((l) => l.path)) };

  treeSteps(source.extra, dest.extra, { source: source.dir, dest: dest.dir, label: domain }, ctx, out);
  const destUsers = new Map(dest.users.map((u) => [u.name, u]));
  for (const u of source.users) {
    const d = destUsers.get(u.name);
    if (!d) continue;
    treeSteps(u.extra, d.extra, { source: u.dir, dest: d.dir, label: `${u.name}@${domain}` }, ctx, out);
    if (u.dotQmail && !(d.dotQmail && mode === 'merge')) {
      const content = map.rewrite(u.dotQmail.content);
      if (d.dotQmail?.content !== content)
        out.steps.push(
          writeStep(`write the .qmail of ${u.name}@${domain}`, `${d.dir}/.qmail`, content, owner, '0600'),
        );
    }
  }

  const destFiles = new Map(dest.dotQmail.map((q) => [q.file, q]));
  // The catch-all goes last: by then every mailbox and alias it may name exists.
  const ordered = [...source.dotQmail].sort(
    (a, b) => Number(a.file === '.qmail-default') - Number(b.file === '.qmail-default'),
  );
  for (const q of ordered) {
    const h = destFiles.get(q.file);
    const path = `${dest.dir}/${q.file}`;
    if (h && mode === 'merge' && q.file !== '.qmail-default') {
      continue;
    }
    if (q.symlinkTarget !== undefined) {
      const target = map.rewrite(q.symlinkTarget);
      if (h?.symlinkTarget !== target)
        out.steps.push(linkStep(`link ${q.file} (${q.role})`, path, target, owner));
    } else {
      const content = map.rewrite(q.content ?? '');
      if (h?.content !== content) {
        if (h && mode === 'merge') {
          out.notes.push(`${q.file} exists on the destination with other content: left as it is (--merge)`);
          continue;
        }
        out.steps.push(writeStep(`write ${q.file} (${q.role})`, path, content, owner, '0600'));
      }
    }
  }

  if (source.valias)
    out.steps.push(
      ...valiasSteps(source.valias, dest.valias ?? [], { bin, domain, map, mode, notes: out.notes }),
    );

  for (const alias of source.aliasDomains)
    if (!dest.aliasDomains.includes(alias))
      out.steps.push({ title: `add alias domain ${alias}`, argv: [`${bin}/vaddaliasdomain`, domain, alias] });

  if (source.limits.source === 'domain' && source.limits.show !== undefined) {
    const differs =
      dest.limits.source !== 'domain' ||
      comparableLimits(dest.limits.show) !== comparableLimits(source.limits.show);
    if (differs && !(mode === 'merge' && dest.limits.source === 'domain'))
      out.steps.push({
        title: `set the limits of ${domain}`,
        argv: [`${bin}/vmoddomlimits`, ...limitsArgs(source.limits.show), domain],
      });
  } else if (dest.limits.source === 'domain' && mode !== 'merge') {
    out.steps.push({
      title: `remove the own limits of ${domain}`,
      argv: [`${bin}/vmoddomlimits`, '-D', domain],
    });
  }
  return out;
}
