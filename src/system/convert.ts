/**
 * What a system domain becomes as a vpopmail domain, decided before anything changes: each
 * mail account a vpopmail user with its own hash and gecos, its mail from the one store its
 * delivery names (a Maildir, or an mbox converted on the way), its forwards in its vpopmail
 * .qmail, each `~user/.qmail-<ext>` a `.qmail-<user>-<ext>` of the domain (qmail-local finds it
 * there for `user-ext@domain`, as it found the user's), each `~alias/.qmail-<name>` a
 * `.qmail-<name>` of the domain. What cannot be carried — a program that ran as the Unix user,
 * a second mail store, a password no crypt() can check — is named in `notCarried`, never
 * dropped silently. Pure.
 *
 * Paths in the result are the source's own (the user's home): provisioning rewrites them, as
 * it rewrites a vpopmail domain's, from each home to the user's new directory, and from the
 * alias directory (the domain's `dir` here) to the new domain directory.
 */
import { Secret } from '../remote/quote.js';
import type { SystemForm } from './inventory.js';
import { parseDotQmail, roleOf, type DeliveryLine } from '../vpopmail/dot-qmail.js';
import type { DomainDotQmail, Inventory, InventoryUser } from '../vpopmail/inventory-types.js';
import { emptyInventory, withUsers } from '../vpopmail/inventory-users.js';
import type {
  SystemDotQmail,
  SystemHome,
  SystemInventory,
  SystemStore,
  SystemUser,
} from './inventory-types.js';

export interface SystemMailSource {
  user: string;
  /** The user's Maildir on the source (absolute, no trailing slash). */
  maildir?: string;
  /** The user's mbox on the source (absolute). */
  mbox?: string;
}

export interface SystemConversion {
  /** The vpopmail domain to create, read as a source's inventory (provisioning's input). */
  inventory: Inventory;
  /** Where each user's mail comes from. */
  mail: SystemMailSource[];
  /** What is not carried over, each with the reason: the plan lists these before anything changes. */
  notCarried: Array<{ what: string; why: string }>;
  /** What was adapted on the way. */
  notes: string[];
  /** Why the domain cannot be moved this way at all (nothing is changed). */
  problems: string[];
  /**
   * Users made for a mailbox no account logs into (an address users/assign or a prefix's .qmail
   * delivers into a Maildir of its own): created locked, or with a new password when asked.
   */
  loginless: string[];
  /**
   * The homes qmail-local delivers the domain's mail in (each mail account's, the alias
   * directory, those users/assign or the prefix name): a cutover holds the domain's deliveries
   * with their sticky bit, as qmail-local defers a delivery into a sticky home.
   */
  holdDirs: string[];
  /** How qmail delivers the domain (what a cutover records before it changes that). */
  form: SystemForm | undefined;
  /**
   * Where mail for any other address goes, from `~alias/.qmail-default` or the prefix's
   * `.qmail-<p>default`: an address, or a user of the domain (its mailbox). The source's
   * reading makes it the domain's `.qmail-default` (vdelivermail's target), which needs the
   * destination's vpopmail directory; undefined: vpopmail's own (bounce).
   */
  catchAll: { kind: 'forward'; address: string } | { kind: 'mailbox'; user: string } | undefined;
}

/** The hash a mailbox without a login of its own gets: no password matches it. */
export const LOCKED_HASH = '!';

/** vpopmail's reach: its user names (spec 2.1) and gecos (no `:`, at most 48). */
const VPOP_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** A delivery path as qmail-local reads it: relative to the home, or absolute. */
function absolute(home: string, path: string): string {
  return path.startsWith('/') ? path : `${home}/${path.replace(/^\.\//, '')}`;
}

/** A forward to a bare local name goes to that account of the domain (qmail-inject would have added the default host). */
function qualify(
  address: string,
  domain: string,
  local: ReadonlySet<string>,
  notes: string[],
  where: string,
  envnoathost: string | undefined,
): string {
  if (address.includes('@')) return address;
  if (local.has(address.toLowerCase())) {
    notes.push(`${where}: the forward to ${address} now names ${address.toLowerCase()}@${domain}`);
    return `${address.toLowerCase()}@${domain}`;
  }
  // qmail-send adds envnoathost to a bare name: the forward keeps going where it went.
  if (envnoathost) {
    notes.push(`${where}: the forward to ${address} now names ${address}@${envnoathost}, as qmail read it`);
    return `${address}@${envnoathost}`;
  }
  return address;
}

function deliveryText(lines: readonly DeliveryLine[]): string {
  return lines
    .map((l) => {
      switch (l.kind) {
        case 'comment':
          return l.text;
        case 'forward':
          return `&${l.address}`;
        case 'maildir':
        case 'mbox':
          return l.path;
        case 'program':
          return `|${l.command}`;
      }
    })
    .join('\n')
    .concat('\n');
}

export function convertSystemDomain(inv: SystemInventory): SystemConversion {
  const notCarried: SystemConversion['notCarried'] = [];
  const notes: string[] = [];
  // qmail-send takes control/locals first: only then are the domain's local parts account names;
  // a domain control/virtualdomains hands to a prefix has none of them as addresses.
  const prefixed = !inv.locals && inv.virtualDomain !== undefined;
  const local = new Set(prefixed ? [] : inv.users.map((u) => u.name));
  const mail: SystemMailSource[] = [];
  const users: InventoryUser[] = [];
  const domainFiles: DomainDotQmail[] = [];
  const problems: string[] = [];
  const loginless: string[] = [];
  if (prefixed && !inv.prefixOwner)
    problems.push(`the source did not say whom control/virtualdomains hands ${inv.domain} to`);
  else if (prefixed) {
    notes.push(
      `${inv.domain} is a virtual domain on ${inv.host} (control/virtualdomains: ${inv.virtualDomain}): each address is the .qmail file of ${inv.prefixOwner!.home} that answers it, not an account`,
    );
    if (inv.users.length > 0)
      notes.push(
        `the ${inv.users.length} account(s) of the uid range or list are not ${inv.domain}'s addresses: qmail hands the domain to ${inv.virtualDomain}`,
      );
  } else if (!inv.locals)
    problems.push(
      `${inv.domain} is neither in control/locals nor in control/virtualdomains on ${inv.host}: qmail there does not deliver it to accounts`,
    );
  else if (inv.virtualDomain !== undefined)
    notes.push(
      `${inv.domain} is in control/locals, which qmail reads before its control/virtualdomains line`,
    );
  // A prefixed domain's addresses are no accounts: which accounts are mail users does not matter.
  for (const name of prefixed ? [] : inv.missing)
    notCarried.push({ what: `user ${name}`, why: 'the user list names it, but passwd does not know it' });
  for (const n of prefixed ? [] : inv.notMailUsers)
    notCarried.push({ what: `account ${n.name}`, why: n.why });

  /** Lines of one .qmail as they will be on the destination (paths still the source's), or what is left out. */
  const carry = (
    u: SystemUser | undefined,
    lines: readonly DeliveryLine[],
    where: string,
    ownStore: string | undefined,
  ) => {
    const kept: DeliveryLine[] = [];
    for (const l of lines) {
      if (l.kind === 'program') {
        notCarried.push({
          what: `${where}: |${l.command}`,
          why: 'a program delivery ran as the Unix user; vpopmail runs it as vpopmail (add it by hand if it still applies)',
        });
        continue;
      }
      if (l.kind === 'forward') {
        kept.push({
          kind: 'forward',
          address: qualify(l.address, inv.domain, local, notes, where, inv.envnoathost),
        });
        continue;
      }
      if (l.kind === 'maildir' || l.kind === 'mbox') {
        const path = u ? absolute(u.home, l.path) : l.path;
        if (u && path.replace(/\/$/, '') === ownStore) {
          kept.push({ kind: 'maildir', path: `${u.home}/Maildir/` });
          continue;
        }
        if (u && l.kind === 'maildir' && path.startsWith(`${u.home}/Maildir/.`)) {
          // A folder of the user's own Maildir: it moves with it.
          kept.push({ kind: 'maildir', path });
          continue;
        }
        notCarried.push({
          what: `${where}: ${l.path}`,
          why: 'a delivery into another mail store than the mailbox vmigrate moves',
        });
        continue;
      }
      kept.push(l);
    }
    return kept;
  };

  for (const u of prefixed ? [] : inv.users) {
    if (!VPOP_NAME.test(u.name)) {
      notCarried.push({ what: `user ${u.name}`, why: 'its name is not one vpopmail accepts' });
      continue;
    }
    const dotQmail = u.dotQmail.find((f) => f.file === '.qmail');
    // An empty (0 bytes) or missing ~/.qmail means qmail's default delivery.
    const delivery =
      dotQmail && dotQmail.content !== ''
        ? dotQmail
        : {
            file: '.qmail',
            ext: undefined,
            content: inv.defaultDelivery ?? '',
            lines: parseDotQmail(inv.defaultDelivery ?? ''),
          };
    const stores = delivery.lines.flatMap((l) =>
      l.kind === 'maildir' || l.kind === 'mbox'
        ? [{ kind: l.kind, path: absolute(u.home, l.path).replace(/\/$/, '') }]
        : [],
    );
    let first = stores[0];
    if (first?.kind === 'maildir' && first.path !== `${u.home}/Maildir`) {
      // vpopmail's mailbox is <dir>/Maildir; a Maildir elsewhere is named, not guessed at.
      notCarried.push({
        what: `${u.name}: the Maildir ${first.path}`,
        why: "vmigrate moves a Maildir from the home's Maildir/ only",
      });
      first = undefined;
    }
    const source: SystemMailSource = { user: u.name };
    if (first?.kind === 'maildir') source.maildir = first.path;
    else if (first?.kind === 'mbox') source.mbox = first.path;
    mail.push(source);
    const mbox =
      source.mbox &&
      u.stores.find(
        (x) => x.kind === 'mbox' && (x.canonical === source.mbox || absolute(u.home, x.path) === source.mbox),
      );
    if (mbox && mbox.kind === 'mbox')
      notes.push(
        `${u.name}: the mbox ${source.mbox} (${mbox.format}${mbox.format === 'mboxrd' ? ', as qmail writes it' : ''}, ${mbox.fromLines} message(s), ${mbox.bytes} bytes) becomes its Maildir in the transfer`,
      );
    // Mail lying in a store the delivery does not name (an old Mailbox beside a Maildir): named, not moved.
    for (const s of u.stores) {
      const at =
        s.kind === 'maildir' ? absolute(u.home, s.path).replace(/\/$/, '') : absolute(u.home, s.path);
      const same = at === first?.path || (s.kind === 'mbox' && s.canonical === first?.path);
      if (!same && (s.kind === 'mbox' ? s.bytes > 0 : s.messages > 0))
        notCarried.push({
          what: `${u.name}: ${at} (${describe(s)})`,
          why: `mail the user's delivery no longer names: vmigrate moves ${first?.path ?? 'no store'}`,
        });
    }
    const lines = carry(u, delivery.lines, `${u.name}'s .qmail`, first?.path);
    const onlyOwn =
      lines.length === 1 && lines[0]?.kind === 'maildir' && lines[0].path === `${u.home}/Maildir/`;
    const hash = u.password.value;
    if (u.passwordScheme === 'none')
      notCarried.push({
        what: `${u.name}'s password`,
        why: 'the account has no password hash; the vpopmail user gets none either (no login) unless passwords are reset',
      });
    else if (u.passwordScheme === 'locked')
      notes.push(
        `${u.name}: the account is locked (${hash.slice(0, 1)}); the vpopmail user keeps the locked hash and cannot log in`,
      );
    const gecos = u.gecos.replace(/:/g, ' ').replace(/,+$/, '').slice(0, 48);
    users.push({
      name: u.name,
      password: new Secret(hash),
      passwordScheme: u.passwordScheme,
      clearPassword: undefined,
      hasClearPassword: false,
      uidField: '1',
      flags: 0,
      gecos: gecos === '' ? u.name : gecos,
      dir: u.home,
      quota: quotaOf(u, first, notes),
      dotQmail: lines.length === 0 || onlyOwn ? undefined : { content: deliveryText(lines), lines },
      folders: storeFolders(u.stores, first?.path, u.home),
      messages: 0,
      bytes: 0,
      extra: [],
      mbox: source.mbox,
    });
    const last = users[users.length - 1];
    if (last) {
      last.messages = last.folders.reduce((n, f) => n + f.messages, 0);
      last.bytes = last.folders.reduce((n, f) => n + f.bytes, 0);
    }
    for (const ext of u.dotQmail.filter((f) => f.ext !== undefined)) {
      const name = `${u.name}-${ext.ext ?? ''}`;
      const kept = carry(u, ext.lines, `${u.name}'s ${ext.file}`, first?.path);
      if (kept.length === 0) continue;
      domainFiles.push(domainFile(name, deliveryText(kept)));
    }
  }
  if (!inv.quotaTool)
    notes.push(
      `${inv.host} has no quota(1): Unix disk quotas were not read (a user without a Maildir++ quota gets none)`,
    );
  let catchAll: SystemConversion['catchAll'];
  let catchAllLater: (() => void) | undefined;
  const hold = new Set<string>([...users.map((u) => u.dir), ...(prefixed ? [] : [inv.aliasHome])]);
  const homes = new Map<string, SystemHome>([
    ...inv.otherHomes.map((h): [string, SystemHome] => [h.home, h]),
    ...inv.users.map((u): [string, SystemHome] => [u.home, u]),
  ]);
  for (const line of inv.assign) assignLine(line);
  if (prefixed && inv.prefixOwner) prefixAddresses(inv.prefixOwner);
  for (const a of prefixed ? [] : inv.aliases) {
    const name = a.ext ?? '';
    if (name === 'default') {
      catchAllLater = () => catchAllFrom(aliasHome(), 'default', `~alias/${a.file}`, 'catchall');
      continue;
    }
    if (local.has(name)) {
      notCarried.push({
        what: `~alias/${a.file}`,
        why: `qmail delivered ${name}@${inv.domain} to the account of that name, never to this alias`,
      });
      continue;
    }
    const kept = carry(undefined, a.lines, `~alias/${a.file}`, undefined);
    if (kept.length > 0) domainFiles.push(domainFile(name, deliveryText(kept)));
  }
  if (!prefixed) catchAllLater?.();
  const inventory = withUsers(
    {
      ...emptyInventory(inv.host, inv.domain),
      // The files of qmail's alias directory become the domain directory's: the one maps onto the other.
      dir: inv.aliasHome,
      dotQmail: domainFiles.sort((a, b) => (a.name < b.name ? -1 : 1)),
    },
    users,
  );
  return {
    inventory,
    mail,
    notCarried,
    notes,
    problems,
    loginless,
    holdDirs: [...hold].filter((d) => d !== '').sort(),
    form: inv.locals ? 'local' : prefixed ? `prefix:${inv.virtualDomain ?? ''}` : undefined,
    catchAll,
  };

  /**
   * A users/assign `=` line (`=address:user:uid:gid:home:dash:ext:`): qmail-lspawn delivers that
   * address as that account into that home, reading `.qmail<dash><ext>` there, before it asks
   * passwd. The account's own name with its own home is what passwd says anyway; anything else
   * is the address that file answers (a prefixed domain's lines carry the prefix).
   */
  function assignLine(line: string): void {
    const [key = '', user = '', , , home = '', dash = '', ext = ''] = line.slice(1).split(':');
    const where = `users/assign ${line}`;
    const pre = prefixed ? `${inv.virtualDomain ?? ''}-` : '';
    if (!key.startsWith(pre)) return;
    const address = key.slice(pre.length);
    const account = inv.users.find((u) => u.name === user);
    if (local.has(address) && address !== user) {
      notCarried.push({ what: where, why: `${address} is an account of its own` });
      return;
    }
    const at = homes.get(home);
    if (!at) {
      notCarried.push({ what: where, why: `its home ${home} was not found on ${inv.host}` });
      return;
    }
    if (account && home === account.home && (dash === '' || ext === '') && !prefixed) {
      // The account's own delivery: the address is another name of it (its forwards stay its own).
      if (address === user) return;
      domainFiles.push(domainFile(address, `&${user}@${inv.domain}\n`));
      notes.push(`${where}: ${address}@${inv.domain} becomes an alias of ${user}@${inv.domain}`);
      return;
    }
    addressFrom(address, at, dash === '' ? '' : ext, where);
  }

  /** Every address of a prefixed domain: each .qmail file of the prefix's home that answers one. */
  function prefixAddresses(owner: NonNullable<SystemInventory['prefixOwner']>): void {
    const at = homes.get(owner.home) ?? (owner.home === inv.aliasHome ? aliasHome() : undefined);
    if (!at) {
      problems.push(`${owner.home}, where qmail delivers ${inv.domain}, could not be read on ${inv.host}`);
      return;
    }
    const pre = `${owner.extPrefix}-`.replace(/^-/, '');
    const taken = new Set(domainFiles.map((f) => f.name).concat(users.map((u) => u.name)));
    for (const f of at.dotQmail) {
      const ext = f.ext?.toLowerCase();
      if (ext === undefined || !ext.startsWith(pre)) continue;
      const address = ext.slice(pre.length);
      const where = `${owner.home}/${f.file}`;
      if (address === 'default') {
        catchAllLater = () => catchAllFrom(at, ext, where, owner.user);
        continue;
      }
      if (address.endsWith('-default')) {
        notCarried.push({
          what: where,
          why: `it answers every ${address.slice(0, -'default'.length)}* address of ${inv.domain}; vpopmail has one catch-all per domain: add its deliveries by hand if they still apply`,
        });
        continue;
      }
      if (address === '' || taken.has(address)) continue;
      addressFrom(address, at, ext, where);
    }
    // Last: every address it could name exists by then.
    catchAllLater?.();
  }

  /**
   * The domain's catch-all from the file that answered every other address: one forward is its
   * target; a mailbox of its own becomes a user (`preferred`, the prefix's account, else
   * `catchall`) that it delivers to; anything else is named.
   */
  function catchAllFrom(home: SystemHome, ext: string, where: string, preferred: string): void {
    const file = dotQmailFor(home.dotQmail, ext);
    const lines = (file?.lines ?? []).filter((l) => l.kind !== 'comment');
    const only = lines.length === 1 ? lines[0] : undefined;
    if (only?.kind === 'forward') {
      const address = qualify(only.address, inv.domain, local, notes, where, inv.envnoathost);
      catchAll = { kind: 'forward', address };
      notes.push(
        `${where}: every other address of ${inv.domain} is forwarded to ${address}, as on the source`,
      );
      return;
    }
    const taken = new Set([...users.map((u) => u.name), ...domainFiles.map((f) => f.name), ...local]);
    const name = [preferred, 'catchall'].find((n) => n !== 'alias' && VPOP_NAME.test(n) && !taken.has(n));
    if (!only || only.kind === 'program' || !name) {
      notCarried.push({
        what: where,
        why: `it answers every other address of ${inv.domain}; the domain's catch-all stays vpopmail's (bounce): add its deliveries by hand if they still apply`,
      });
      return;
    }
    const before = users.length;
    addressFrom(name, home, ext, where);
    if (users.length > before) {
      catchAll = { kind: 'mailbox', user: name };
      notes.push(
        `${where}: every other address of ${inv.domain} is delivered to the mailbox ${name}@${inv.domain}, as on the source`,
      );
      return;
    }
    // A delivery into a moved account's mailbox: the alias made for it names that account.
    const made = domainFiles.findIndex((f) => f.name === name);
    const fwd = made >= 0 && domainFiles[made]!.lines.length === 1 ? domainFiles[made]!.lines[0] : undefined;
    if (fwd?.kind === 'forward') {
      domainFiles.splice(made, 1);
      catchAll = { kind: 'forward', address: fwd.address };
      notes.push(`${where}: every other address of ${inv.domain} goes to ${fwd.address}, as on the source`);
    }
  }

  function aliasHome(): SystemHome {
    return { home: inv.aliasHome, dotQmail: inv.aliases, stores: [] };
  }

  /**
   * What one address becomes, from the .qmail qmail-local reads for it in `home`: forwards and
   * deliveries into a moved account's mailbox make an alias; a Maildir (or mbox) of its own a
   * mailbox of that name without a login; a program is named.
   */
  function addressFrom(address: string, home: SystemHome, ext: string, where: string): void {
    hold.add(home.home);
    const file = dotQmailFor(home.dotQmail, ext);
    if (!file && ext !== '') {
      notCarried.push({
        what: where,
        why: `no .qmail file of ${home.home} answers it: the source bounces ${address}@${inv.domain}`,
      });
      return;
    }
    const lines =
      file && file.content !== '' ? file.lines : parseDotQmail(inv.defaultDelivery ?? './Mailbox\n');
    const kept: DeliveryLine[] = [];
    const own: Array<{ kind: 'maildir' | 'mbox'; path: string }> = [];
    for (const l of lines) {
      if (l.kind === 'maildir' || l.kind === 'mbox') {
        const path = absolute(home.home, l.path);
        const owner = users.find((u) => path.replace(/\/$/, '') === `${u.dir}/Maildir`);
        if (owner && l.kind === 'maildir')
          kept.push({ kind: 'forward', address: `${owner.name}@${inv.domain}` });
        else if (l.kind === 'maildir' && users.some((u) => path.startsWith(`${u.dir}/Maildir/.`)))
          kept.push({ kind: 'maildir', path });
        else own.push({ kind: l.kind, path: path.replace(/\/$/, '') });
        continue;
      }
      kept.push(...carry(undefined, [l], where, undefined));
    }
    if (own.length === 0) {
      if (kept.length > 0) domainFiles.push(domainFile(address, deliveryText(kept)));
      return;
    }
    for (const extra of own.slice(1))
      notCarried.push({
        what: `${where}: ${extra.path}`,
        why: 'a second mail store: vmigrate moves one per mailbox',
      });
    const store = own[0]!;
    const dir = store.kind === 'maildir' ? store.path.replace(/\/Maildir$/, '') : home.home;
    const why = !VPOP_NAME.test(address)
      ? 'its name is not one vpopmail accepts'
      : users.some((u) => u.name === address)
        ? `${address} is a user already`
        : store.kind === 'maildir' && !store.path.endsWith('/Maildir')
          ? "vmigrate moves a Maildir named Maildir only (it becomes the user's Maildir)"
          : users.some((u) => u.dir === dir)
            ? `its mail lies in ${dir}, another user's`
            : undefined;
    if (why) {
      notCarried.push({ what: `${where}: ${store.path}`, why });
      return;
    }
    const folders = storeFolders(home.stores, store.path, home.home);
    const delivery: DeliveryLine[] = [...kept, { kind: 'maildir', path: `${dir}/Maildir/` }];
    users.push({
      name: address,
      password: new Secret(LOCKED_HASH),
      passwordScheme: 'locked',
      clearPassword: undefined,
      hasClearPassword: false,
      uidField: '1',
      flags: 0,
      gecos: address,
      dir,
      quota: 'NOQUOTA',
      dotQmail: kept.length === 0 ? undefined : { content: deliveryText(delivery), lines: delivery },
      folders,
      messages: folders.reduce((n, f) => n + f.messages, 0),
      bytes: folders.reduce((n, f) => n + f.bytes, 0),
      extra: [],
      mbox: store.kind === 'mbox' ? store.path : undefined,
    });
    mail.push({
      user: address,
      ...(store.kind === 'maildir' ? { maildir: store.path } : { mbox: store.path }),
    });
    loginless.push(address);
    notCarried.push({
      what: `${address}'s password`,
      why: `${where} delivers ${address}@${inv.domain} into ${store.path}, which no account logs into: the user is created locked (--new-passwords gives it one)`,
    });
  }
}

/**
 * The file qmail-local reads for an extension: `.qmail-<ext>`, then `.qmail-<ext up to a
 * dash>-default` from the longest, then `.qmail-default`; `.qmail` for none.
 */
export function dotQmailFor(files: readonly SystemDotQmail[], ext: string): SystemDotQmail | undefined {
  const find = (e: string | undefined) => files.find((f) => f.ext?.toLowerCase() === e);
  if (ext === '') return files.find((f) => f.file === '.qmail');
  const e = ext.toLowerCase();
  const exact = find(e);
  if (exact) return exact;
  for (let i = e.length - 1; i >= 0; i--) {
    if (e[i] !== '-') continue;
    const hit = find(`${e.slice(0, i)}-default`);
    if (hit) return hit;
  }
  return find('default');
}

function domainFile(name: string, content: string): DomainDotQmail {
  const lines = parseDotQmail(content);
  return {
    name,
    file: `.qmail-${name.replace(/\./g, ':')}`,
    role: roleOf(name, lines),
    symlinkTarget: undefined,
    content,
    lines,
  };
}

/**
 * The vpopmail quota of a user: the Maildir++ quota of the Maildir that is moved (what the
 * server's mail software enforced), else the disk quota of the file system its mail lies on
 * (its hard limit, else its soft one), which also counted the user's other files there.
 */
function quotaOf(u: SystemUser, moved: { kind: string; path: string } | undefined, notes: string[]): string {
  if (moved?.kind === 'maildir' && u.maildirQuota !== undefined) {
    const size = /(?:^|,)\s*(\d+)S/.exec(u.maildirQuota)?.[1];
    const count = /(?:^|,)\s*(\d+)C/.exec(u.maildirQuota)?.[1];
    if (size !== undefined) {
      const quota = `${size}S${count !== undefined ? `,${count}C` : ''}`;
      notes.push(
        `${u.name}: the Maildir++ quota of its Maildir (${u.maildirQuota}) becomes its quota, ${quota}`,
      );
      return quota;
    }
    notes.push(`${u.name}: the Maildir++ quota ${JSON.stringify(u.maildirQuota)} sets no size: not carried`);
  }
  const where = moved?.kind === 'mbox' && moved.path.startsWith('/var/') ? moved.path : u.home;
  const disk = u.diskQuotas.find((q) => q.path === where) ?? u.diskQuotas.find((q) => q.path === u.home);
  const limit = disk ? disk.hardKiB || disk.softKiB : 0;
  if (!disk || limit === 0) return 'NOQUOTA';
  const quota = `${limit * 1024}S`;
  notes.push(
    `${u.name}: its disk quota on ${disk.device} (${disk.hardKiB ? 'hard' : 'soft'} limit ${limit} KiB, which counted all its files there) becomes its mailbox quota, ${quota}`,
  );
  return quota;
}

function describe(s: SystemStore): string {
  return s.kind === 'maildir' ? `${s.messages} message(s)` : `an mbox of ${s.bytes} bytes`;
}

/** The folders of the store that is moved (an mbox: one INBOX, its From lines counted as messages). */
function storeFolders(stores: readonly SystemStore[], path: string | undefined, home: string) {
  const s = stores.find((x) =>
    x.kind === 'maildir'
      ? absolute(home, x.path).replace(/\/$/, '') === path
      : x.canonical === path || absolute(home, x.path) === path,
  );
  if (!s) return [];
  return s.kind === 'maildir' ? s.folders : [{ name: '', messages: s.fromLines, bytes: s.bytes }];
}
