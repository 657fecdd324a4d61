/**
 * A source of system accounts (`--from-system`): its accounts read and turned into the
 * vpopmail domain they become (src/system/), the destination's crypt() asked about each
 * password hash, and what that means for the plan: what is not carried, named; a hash the
 * destination cannot verify, a problem (or, with --skip-unrepresentable, its user left out).
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import type { HostHandle } from '../hosts/open-hosts.js';
import { convertSystemDomain, type SystemConversion } from '../system/convert.js';
import { parseCatchAll, parseDotQmail, roleOf } from '../vpopmail/dot-qmail.js';
import { checkHashes, type HashCheck } from '../system/crypt-check.js';
import { readSystemInventory, type SystemScope } from '../system/inventory.js';
import { newPasswords } from '../system/new-passwords.js';
import { Secret } from '../remote/quote.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import { withUsers } from '../vpopmail/inventory-users.js';

/** What --from-system asks: which accounts, and whether unverifiable ones get new passwords. */
export interface SystemAsk extends SystemScope {
  newPasswords?: boolean | undefined;
  /** Where the new passwords go: given when the move runs (not to a plan, which makes none). */
  passwordFile?: string | undefined;
}

/** Login names as passwd takes them (shadow-utils' default rule). */
const ACCOUNT = /^[a-z_][a-z0-9_.-]{0,31}$/;

/**
 * --users FILE: one account per line, blank lines and `#` comments allowed; every bad or
 * repeated name is reported with its line before anything starts.
 */
export function parseUserList(text: string, file = 'the list'): string[] {
  const users: string[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const name = raw.replace(/#.*$/, '').trim();
    if (name === '') return;
    const at = `${file}:${i + 1}`;
    if (!ACCOUNT.test(name)) problems.push(`${at}: ${JSON.stringify(name)} is not an account name`);
    else if (seen.has(name))
      problems.push(`${at}: ${name} is listed again (first on line ${seen.get(name)})`);
    else {
      seen.set(name, i + 1);
      users.push(name);
    }
  });
  if (problems.length > 0)
    throw new UsageError(`${file} has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, {
      hint: 'fix the list; nothing was started',
    });
  if (users.length === 0) throw new UsageError(`${file} names no account`);
  return users;
}

/** The scope the flags ask for, or undefined without --from-system (whose companions then are mistakes). */
export async function systemScopeOf(flags: {
  fromSystem: boolean;
  uidMin?: number | undefined;
  usersFile?: string | undefined;
  newPasswords?: boolean | undefined;
}): Promise<{ uidMin?: number; users?: string[]; newPasswords?: boolean } | undefined> {
  if (!flags.fromSystem) {
    if (flags.uidMin !== undefined || flags.usersFile !== undefined || flags.newPasswords)
      throw new UsageError('--uid-min, --users and --new-passwords go with --from-system');
    return undefined;
  }
  if (flags.newPasswords) {
    const { newPasswords: _, ...rest } = flags;
    return { ...(await systemScopeOf(rest)), newPasswords: true };
  }
  if (flags.uidMin !== undefined && flags.usersFile !== undefined)
    throw new UsageError('give --uid-min or --users, not both: a list names exactly the accounts to move');
  if (flags.usersFile === undefined) return flags.uidMin === undefined ? {} : { uidMin: flags.uidMin };
  const text = await readFile(flags.usersFile, 'utf8').catch((e: Error) => {
    throw new UsageError(`cannot read ${flags.usersFile}: ${e.message}`);
  });
  return { users: parseUserList(text, flags.usersFile) };
}

export interface SystemFacts {
  conversion: SystemConversion;
  /** The destination's answer for each user of the conversion's inventory, in its order. */
  hashChecks: HashCheck[];
  /** --new-passwords: the users given one (their new hash is in the inventory), and where the passwords are. */
  renewed: { users: string[]; file: string | undefined; asked: boolean };
}

/**
 * The conversion's catch-all as the domain's `.qmail-default`, the line vadddomain -e writes on
 * the destination: `| <its vpopmail>/bin/vdelivermail '' <address, or the user's directory>`
 * (the source's directory here: provisioning maps it to the new one, as every path).
 */
function withCatchAll(c: SystemConversion, dest: HostHandle): SystemConversion {
  const bin = dest.caps.vpopmail?.bin;
  if (!c.catchAll || !bin) return c;
  const target =
    c.catchAll.kind === 'forward'
      ? c.catchAll.address
      : (c.inventory.users.find((u) => u.name === (c.catchAll as { user: string }).user)?.dir ?? '');
  if (target === '') return c;
  const content = `| ${bin}/vdelivermail '' ${target}\n`;
  const lines = parseDotQmail(content);
  const file = {
    name: 'default',
    file: '.qmail-default',
    role: roleOf('default', lines),
    symlinkTarget: undefined,
    content,
    lines,
  };
  const inventory = {
    ...c.inventory,
    // The line names the destination's vpopmail: the domain it becomes lives there (a system
    // source has none of its own), which is also how a comparison reads the line on both sides.
    vpopmailDir: dest.caps.vpopmail?.dir ?? c.inventory.vpopmailDir,
    catchAll: parseCatchAll(content),
    dotQmail: [...c.inventory.dotQmail.filter((f) => f.file !== '.qmail-default'), file],
  };
  return { ...c, inventory };
}

/** Hashes that need no asking: a locked account stays locked, no hash stays none. */
const UNASKED = new Set(['locked', 'none']);

export async function readSystemSource(
  source: HostHandle,
  dest: HostHandle,
  domain: string,
  ask: SystemAsk,
): Promise<SystemFacts> {
  const inv = await readSystemInventory(source.remote, source.caps.qmail.dir, domain, ask);
  const conversion = withCatchAll(convertSystemDomain(inv), dest);
  const users = conversion.inventory.users;
  const asked = users.filter((u) => !UNASKED.has(u.passwordScheme));
  const answers = await checkHashes(
    dest.remote,
    asked.map((u) => u.password),
  );
  const byName = new Map(asked.map((u, i) => [u.name, answers[i] ?? 'unchecked']));
  const hashChecks = users.map((u) => byName.get(u.name) ?? 'ok');
  const renewed: SystemFacts['renewed'] = {
    users: [],
    file: ask.passwordFile,
    asked: ask.newPasswords === true,
  };
  // Without a hash, or with one the destination cannot verify: a new password when asked.
  const loginless = new Set(conversion.loginless);
  const needy = users.filter(
    (u, i) => hashChecks[i] === 'no' || u.passwordScheme === 'none' || loginless.has(u.name),
  );
  if (ask.newPasswords && ask.passwordFile && needy.length > 0) {
    const made = await newPasswords(
      dest.remote,
      needy.map((u) => `${u.name}@${domain}`),
      ask.passwordFile,
      `vmigrate: new passwords of ${domain} on ${dest.label} (users moved from ${source.label} whose hash ${dest.label} cannot verify, or who had no login)`,
    );
    users.forEach((u, i) => {
      const p = made.get(`${u.name}@${domain}`);
      if (!needy.includes(u) || !p) return;
      users[i] = { ...u, password: new Secret(p.hash.value), passwordScheme: 'sha512-crypt' };
      hashChecks[i] = 'ok';
      renewed.users.push(u.name);
    });
  }
  return { conversion, hashChecks, renewed };
}

/**
 * The inventory to provision from, and what the plan says: what is not carried (warnings),
 * what was adapted (notes), hashes the destination cannot verify (problems, or users left out).
 */
export function assessSystemSource(
  facts: SystemFacts,
  o: { destLabel: string; skip: boolean; problems: string[]; warnings: string[]; notes: string[] },
): Inventory {
  const { conversion, hashChecks, renewed } = facts;
  const inv = conversion.inventory;
  const fresh = new Set(renewed.users);
  o.problems.push(...conversion.problems);
  for (const n of conversion.notCarried)
    if (!(n.what.endsWith("'s password") && fresh.has(n.what.slice(0, -"'s password".length))))
      o.warnings.push(`not carried: ${n.what}: ${n.why}`);
  o.notes.push(...conversion.notes);
  // A warning, not a note: the operator must hand these passwords out.
  const loginless = new Set(conversion.loginless);
  for (const u of renewed.users)
    o.warnings.push(
      `${u}@${inv.domain}: a new random password (${loginless.has(u) ? 'no account logged into its mailbox' : `its old hash cannot be used on ${o.destLabel}`}), in ${renewed.file ?? '?'}`,
    );
  const kept = inv.users.filter((u, i) => {
    const check = hashChecks[i];
    if (check === 'unchecked')
      o.warnings.push(
        `${u.name}@${inv.domain}: ${o.destLabel} has neither perl nor python3 to ask its crypt() about the ${u.passwordScheme} hash: the user may not be able to log in there`,
      );
    if (check !== 'no') return true;
    if (renewed.asked) {
      // A plan makes no password: the run does, and writes it down first.
      o.notes.push(
        `${u.name}@${inv.domain}: gets a new random password when the move runs (its ${u.passwordScheme} hash cannot be used on ${o.destLabel}), written to the state directory's new-passwords/`,
      );
      return true;
    }
    const why = `${o.destLabel}'s crypt() cannot verify its password hash (${u.passwordScheme}): the user could not log in there`;
    if (o.skip) o.warnings.push(`${u.name}@${inv.domain} left out (--skip-unrepresentable): ${why}`);
    else o.problems.push(`${u.name}@${inv.domain}: ${why} (--skip-unrepresentable leaves such users out)`);
    return false;
  });
  return kept.length === inv.users.length ? inv : withUsers(inv, kept);
}
