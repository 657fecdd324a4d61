/** Parses the system inventory script's output (inventory-script.sh) into a SystemInventory. Pure. */
import { Buffer } from 'node:buffer';
import { VmigrateError } from '../errors.js';
import { Secret } from '../remote/quote.js';
import { parseDotQmail } from '../vpopmail/dot-qmail.js';
import { passwordScheme } from '../vpopmail/inventory-parse.js';
import type { FolderStats } from '../vpopmail/inventory-types.js';
import type {
  SystemDotQmail,
  SystemHome,
  SystemInventory,
  SystemStore,
  SystemUser,
} from './inventory-types.js';

const fromHex = (hex: string) => Buffer.from(hex.trim(), 'hex').toString('utf8');

function dotQmailFile(file: string, content: string): SystemDotQmail {
  const ext = file === '.qmail' ? undefined : file.slice('.qmail-'.length).replace(/:/g, '.');
  return { file, ext, content, lines: parseDotQmail(content) };
}

/** `@@file <name> <hex>` on one line. */
function fileLine(line: string): SystemDotQmail | undefined {
  const m = /^@@file (\S+) ([0-9a-f]*)$/.exec(line);
  return m?.[1] && m[2] !== undefined ? dotQmailFile(m[1], fromHex(m[2])) : undefined;
}

/**
 * What qmail delivers to a user without a .qmail: control/defaultdelivery, which netqmail's rc
 * reads, else the argument rc gives qmail-start, else qmail's own default (./Mailbox).
 */
export function defaultDeliveryOf(
  defaultdelivery: string | undefined,
  rc: string | undefined,
): string | undefined {
  const start = rc === undefined ? undefined : /qmail-start\s+("[^"]*"|'[^']*'|\S+)/.exec(rc)?.[1];
  const arg = start?.replace(/^["']|["']$/g, '');
  if (arg !== undefined && !arg.includes('defaultdelivery')) return `${arg}\n`;
  return defaultdelivery ?? (rc === undefined ? undefined : './Mailbox\n');
}

/** The folders of a Maildir from the script's `<dir>\t<count>\t<bytes>` lines. */
function foldersOf(base: string, lines: string[]): FolderStats[] {
  const byName = new Map<string, FolderStats>();
  for (const l of lines) {
    const [dir = '', count = '0', bytes = '0'] = l.split('\t');
    const rel = dir.startsWith(`${base}/`) ? dir.slice(base.length + 1) : dir;
    const name = rel.replace(/\/?(cur|new)$/, '');
    const f = byName.get(name) ?? { name, messages: 0, bytes: 0 };
    f.messages += Number(count);
    f.bytes += Number(bytes);
    byName.set(name, f);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function parseSystemInventory(text: string, host: string, domain: string): SystemInventory {
  const lines = text.split('\n');
  if (lines[0] !== '@@vmigrate-system-inventory 1' || !lines.includes('@@end'))
    throw new VmigrateError(`the system inventory of ${domain} on ${host} ended early or is not one`, {
      host,
    });
  const inv: SystemInventory = {
    schema: 1,
    kind: 'system',
    host,
    domain,
    locals: false,
    virtualDomain: undefined,
    prefixOwner: undefined,
    envnoathost: undefined,
    otherHomes: [],
    defaultDelivery: undefined,
    uidMin: 1000,
    quotaTool: false,
    assign: [],
    users: [],
    notMailUsers: [],
    missing: [],
    aliases: [],
    aliasHome: '',
    totals: { users: 0, messages: 0, bytes: 0 },
  };
  let section = '';
  let defaultdelivery: string | undefined;
  let rc: string | undefined;
  const byName = new Map<string, SystemUser>();
  let user: (SystemHome & Partial<Pick<SystemUser, 'maildirQuota' | 'diskQuotas'>>) | undefined;
  let maildir: { path: string; lines: string[]; user: SystemHome } | undefined;
  const closeMaildir = () => {
    if (!maildir) return;
    const base = maildir.path.startsWith('/')
      ? maildir.path.replace(/\/$/, '')
      : `${maildir.user.home}/${maildir.path.replace(/^\.\//, '').replace(/\/$/, '')}`;
    const folders = foldersOf(base, maildir.lines);
    maildir.user.stores.push({
      kind: 'maildir',
      path: maildir.path,
      folders,
      messages: folders.reduce((n, f) => n + f.messages, 0),
      bytes: folders.reduce((n, f) => n + f.bytes, 0),
    });
    maildir = undefined;
  };
  for (const line of lines.slice(1)) {
    if (/^@@(control|assign|users|homes|others|alias|end)$/.test(line)) {
      closeMaildir();
      section = line.slice(2);
      user = undefined;
      continue;
    }
    switch (section) {
      case 'control': {
        const [key = '', ...rest] = line.split(' ');
        const value = rest.join(' ');
        if (key === 'locals') inv.locals = value === '1';
        else if (key === 'virtualdomain') inv.virtualDomain = value;
        else if (key === 'envnoathost') inv.envnoathost = value.trim() || undefined;
        else if (key === 'defaultdelivery') defaultdelivery = fromHex(value);
        else if (key === 'rc') rc = fromHex(value);
        else if (key === 'uidmin' && /^\d+$/.test(value)) inv.uidMin = Number(value);
        break;
      }
      case 'assign':
        if (line.startsWith('=')) inv.assign.push(line);
        break;
      case 'users': {
        if (line === '') break;
        const f = line.split('\t');
        if (f[0] === 'missing' && f.length === 2) {
          inv.missing.push(f[1] ?? '');
          break;
        }
        const [name = '', uid = '', gid = '', gecos = '', home = '', shell = '', owner = '', hash = ''] = f;
        if (f.length !== 8 || !/^\d+$/.test(uid))
          throw new VmigrateError(
            `the system inventory of ${domain} on ${host} has a user line it cannot read`,
            {
              host,
            },
          );
        if (owner === '-') inv.notMailUsers.push({ name, why: `its home ${home} does not exist` });
        else if (owner !== uid)
          inv.notMailUsers.push({
            name,
            why: `its home ${home} belongs to uid ${owner}, not to the user (qmail does not deliver there)`,
          });
        else if (name !== name.toLowerCase())
          inv.notMailUsers.push({
            name,
            why: 'its name has capitals (qmail looks up lower-cased local parts)',
          });
        else {
          const password = hash === '-' ? '' : hash;
          const u: SystemUser = {
            name,
            uid: Number(uid),
            gid: Number(gid),
            gecos,
            home,
            shell,
            password: new Secret(password),
            passwordScheme: hash === '-' ? 'none' : passwordScheme(password),
            dotQmail: [],
            stores: [],
            diskQuotas: [],
          };
          byName.set(name, u);
          inv.users.push(u);
        }
        break;
      }
      case 'homes':
      case 'others': {
        if (line.startsWith('quota-tool ')) inv.quotaTool = line === 'quota-tool 1';
        else if (line.startsWith('@@user ')) {
          closeMaildir();
          user = byName.get(line.slice('@@user '.length));
        } else if (line.startsWith('@@home ')) {
          closeMaildir();
          user = { home: line.slice('@@home '.length), dotQmail: [], stores: [] };
          inv.otherHomes.push(user);
        } else if (line.startsWith('@@prefix ')) {
          const [who = '', home = '', extPrefix = ''] = line.slice('@@prefix '.length).split('\t');
          inv.prefixOwner = { user: who, home, extPrefix };
        } else if (!user) break;
        else if (line.startsWith('@@file ')) {
          const f = fileLine(line);
          if (f) user.dotQmail.push(f);
        } else if (line.startsWith('@@maildirsize ')) {
          closeMaildir();
          const first = fromHex(line.slice('@@maildirsize '.length)).trim();
          if (first !== '' && user.diskQuotas) user.maildirQuota = first;
        } else if (line.startsWith('@@diskquota ')) {
          closeMaildir();
          const [path = '', device = '', used = '', soft = '', hard = ''] = line
            .slice('@@diskquota '.length)
            .split('\t');
          if ([used, soft, hard].every((n) => /^\d+$/.test(n)))
            user.diskQuotas?.push({
              path,
              device,
              usedKiB: Number(used),
              softKiB: Number(soft),
              hardKiB: Number(hard),
            });
        } else if (line.startsWith('@@maildir ')) {
          closeMaildir();
          maildir = { path: line.slice('@@maildir '.length), lines: [], user };
        } else if (line.startsWith('@@mbox ')) {
          closeMaildir();
          const [
            path = '',
            canonical = '',
            size = '0',
            mtime = '0',
            owner = '0',
            froms = '0',
            lengths = '0',
          ] = line.slice('@@mbox '.length).split('\t');
          const store: SystemStore = {
            kind: 'mbox',
            path,
            canonical,
            bytes: Number(size),
            mtime: Number(mtime),
            owner: Number(owner),
            fromLines: Number(froms),
            format: Number(lengths) > 0 && Number(lengths) >= Number(froms) ? 'mboxcl2' : 'mboxrd',
          };
          const same = user.stores.findIndex((s) => s.kind === 'mbox' && s.canonical === canonical);
          // One file under two names: the name the user's .qmail delivers to wins.
          const named = user.dotQmail.some(
            (q) => q.file === '.qmail' && q.lines.some((l) => l.kind === 'mbox' && l.path === path),
          );
          if (same < 0) user.stores.push(store);
          else if (named) user.stores[same] = store;
        } else if (maildir && line.includes('\t')) maildir.lines.push(line);
        break;
      }
      case 'alias': {
        if (line.startsWith('home ')) inv.aliasHome = line.slice('home '.length);
        const f = fileLine(line);
        if (f) inv.aliases.push(f);
        break;
      }
    }
  }
  inv.defaultDelivery = defaultDeliveryOf(defaultdelivery, rc);
  inv.totals = {
    users: inv.users.length,
    messages: inv.users.reduce(
      (n, u) => n + u.stores.reduce((m, s) => m + (s.kind === 'maildir' ? s.messages : 0), 0),
      0,
    ),
    bytes: inv.users.reduce((n, u) => n + u.stores.reduce((m, s) => m + s.bytes, 0), 0),
  };
  return inv;
}
