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
import { parseDotQmail, roleOf, type DeliveryLine } from '../vpopmail/dot-qmail.js';
import type { DomainDotQmail, Inventory, InventoryUser } from '../vpopmail/inventory-types.js';
import { emptyInventory, withUsers } from '../vpopmail/inventory-users.js';
import type { SystemDotQmail, SystemInventory, SystemStore, SystemUser } from './inventory-types.js';

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
}

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
): string {
  if (address.includes('@')) return address;
  if (local.has(address.toLowerCase())) {
    notes.push(`${where}: the forward to ${address} now names ${address.toLowerCase()}@${domain}`);
    return `${address.toLowerCase()}@${domain}`;
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
  const local = new Set(inv.users.map((u) => u.name));
  const mail: SystemMailSource[] = [];
  const users: InventoryUser[] = [];
  const domainFiles: DomainDotQmail[] = [];
  const problems: string[] = [];
  // qmail-send takes control/locals first: only then are the domain's local parts account names.
  if (!inv.locals && inv.virtualDomain !== undefined)
    problems.push(
      `${inv.domain} is a virtual domain on ${inv.host} (control/virtualdomains: ${inv.virtualDomain}): its addresses are ${inv.virtualDomain}-<address> and the .qmail files that answer them, not accounts; vmigrate converts only a domain of control/locals`,
    );
  else if (!inv.locals)
    problems.push(
      `${inv.domain} is neither in control/locals nor in control/virtualdomains on ${inv.host}: qmail there does not deliver it to accounts`,
    );
  else if (inv.virtualDomain !== undefined)
    notes.push(
      `${inv.domain} is in control/locals, which qmail reads before its control/virtualdomains line`,
    );
  for (const name of inv.missing)
    notCarried.push({ what: `user ${name}`, why: 'the user list names it, but passwd does not know it' });
  for (const n of inv.notMailUsers) notCarried.push({ what: `account ${n.name}`, why: n.why });

  /** Lines of one .qmail as they will be on the destination (paths still the source's), or what is left out. */
  const carry = (
    u: SystemUser | undefined,
    file: SystemDotQmail,
    where: string,
    ownStore: string | undefined,
  ) => {
    const kept: DeliveryLine[] = [];
    for (const l of file.lines) {
      if (l.kind === 'program') {
        notCarried.push({
          what: `${where}: |${l.command}`,
          why: 'a program delivery ran as the Unix user; vpopmail runs it as vpopmail (add it by hand if it still applies)',
        });
        continue;
      }
      if (l.kind === 'forward') {
        kept.push({ kind: 'forward', address: qualify(l.address, inv.domain, local, notes, where) });
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

  for (const u of inv.users) {
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
    const lines = carry(u, delivery, `${u.name}'s .qmail`, first?.path);
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
      quota: 'NOQUOTA',
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
      const kept = carry(u, ext, `${u.name}'s ${ext.file}`, first?.path);
      if (kept.length === 0) continue;
      domainFiles.push(domainFile(name, deliveryText(kept)));
    }
  }
  for (const line of inv.assign) assignLine(line);
  for (const a of inv.aliases) {
    const name = a.ext ?? '';
    if (name === 'default') {
      notCarried.push({
        what: `~alias/${a.file}`,
        why: "the domain's catch-all stays vpopmail's (vdelivermail); add its deliveries by hand if they still apply",
      });
      continue;
    }
    if (local.has(name)) {
      notCarried.push({
        what: `~alias/${a.file}`,
        why: `qmail delivered ${name}@${inv.domain} to the account of that name, never to this alias`,
      });
      continue;
    }
    const kept = carry(undefined, a, `~alias/${a.file}`, undefined);
    if (kept.length > 0) domainFiles.push(domainFile(name, deliveryText(kept)));
  }
  const inventory = withUsers(
    {
      ...emptyInventory(inv.host, inv.domain),
      // The files of qmail's alias directory become the domain directory's: the one maps onto the other.
      dir: inv.aliasHome,
      dotQmail: domainFiles.sort((a, b) => (a.name < b.name ? -1 : 1)),
    },
    users,
  );
  return { inventory, mail, notCarried, notes, problems };

  /**
   * A users/assign `=` line (`=address:user:uid:gid:home:dash:ext:`): qmail-lspawn delivers that
   * address as that account, before asking passwd. The account's own name with its own home is
   * what passwd says anyway; another address is an alias of the account; anything else is named.
   */
  function assignLine(line: string): void {
    const [address = '', user = '', , , home = '', dash = '', ext = ''] = line.slice(1).split(':');
    const account = inv.users.find((u) => u.name === user);
    const where = `users/assign ${line}`;
    if (!account) {
      if (address !== '')
        notCarried.push({
          what: where,
          why: `${user} is not among the accounts moved (outside the uid range or the list)`,
        });
      return;
    }
    if (home !== account.home || dash !== '' || ext !== '') {
      notCarried.push({
        what: where,
        why: `it delivers ${address} through ${home}/.qmail${dash}${ext}, not as passwd does: vmigrate reads the account as passwd has it`,
      });
      return;
    }
    if (address === user) return;
    if (local.has(address)) {
      notCarried.push({ what: where, why: `${address} is an account of its own` });
      return;
    }
    domainFiles.push(domainFile(address, `&${user}@${inv.domain}\n`));
    notes.push(`${where}: ${address}@${inv.domain} becomes an alias of ${user}@${inv.domain}`);
  }
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
