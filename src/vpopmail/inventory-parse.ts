/** Parses the inventory script's output (inventory-script.sh) into an Inventory. Pure. */
import { PreconditionError, VmigrateError } from '../errors.js';
import { Buffer } from 'node:buffer';
import { Secret } from '../remote/quote.js';
import { parseCatchAll, parseDotQmail, roleOf } from './dot-qmail.js';
import type {
  DomainDotQmail,
  FolderStats,
  Inventory,
  InventoryUser,
  TreeEntry,
  ValiasRow,
} from './inventory-types.js';

/** Files vpopmail itself keeps in a domain directory: never copied, always recreated. */
const VPOPMAIL_OWN =
  /^(vpasswd|vpasswd\.cdb|\.vpasswd\.lock|cdb\.tmp|\.dir-control|\.dir_control_free(\.lock)?|\.qmailadmin-limits|\.vmigrate-origin)$/;

const STAGING = /\/\.vmigrate-stage\.[0-9]+(\/|$)/;

/** The domain is not on that host: a plan for a new destination expects exactly this. */
export class DomainMissingError extends PreconditionError {}

function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const m = /^@@(\S+)(?: (.*))?$/.exec(line);
    if (m && !line.startsWith('@@file ') && !line.startsWith('@@status ')) {
      current = [];
      out.set(m[1] ?? '', current);
      continue;
    }
    current?.push(line);
  }
  return out;
}

function statusOf(lines: string[]): number {
  const s = lines.findLast((l) => l.startsWith('@@status '));
  return s ? Number(s.slice('@@status '.length)) : NaN;
}

export function passwordScheme(hash: string): string {
  if (hash === '') return 'none';
  if (hash.startsWith('$1$')) return 'md5-crypt';
  if (hash.startsWith('$5$')) return 'sha256-crypt';
  if (hash.startsWith('$6$')) return 'sha512-crypt';
  if (hash.startsWith('$2')) return 'bcrypt';
  if (hash.startsWith('$y$')) return 'yescrypt';
  if (hash.startsWith('$gy$')) return 'gost-yescrypt';
  if (/^[!*]/.test(hash)) return 'locked';
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'des-crypt';
  return 'other';
}

function parseTree(lines: string[]): TreeEntry[] {
  return lines
    .filter((l) => l.includes('\t'))
    .map((l) => {
      const [type = '', mode = '', uid = '', gid = '', size = '', mtime = '', path = '', target = ''] =
        l.split('\t');
      const e: TreeEntry = {
        type,
        mode: mode.padStart(4, '0'),
        uid: Number(uid),
        gid: Number(gid),
        size: Number(size),
        mtime: Math.floor(Number(mtime)),
        path,
      };
      if (type === 'l') e.target = target;
      return e;
    });
}

function parseContents(lines: string[]): Map<string, string> {
  const files = new Map<string, string>();
  let name: string | undefined;
  let hex: string[] = [];
  const flush = () => {
    if (name !== undefined)
      files.set(name, Buffer.from(hex.join('').replace(/\s+/g, ''), 'hex').toString('utf8'));
  };
  for (const line of lines) {
    if (line.startsWith('@@file ')) {
      flush();
      name = line.slice('@@file '.length);
      hex = [];
    } else hex.push(line);
  }
  flush();
  return files;
}

function withContent(e: TreeEntry, content: string | undefined): TreeEntry {
  return content === undefined || e.type !== 'f' ? e : { ...e, content };
}

/**
 * The user whose directory holds a path (the longest matching directory), found by walking up
 * the path through an index of user directories: a 5,000-user domain has tens of thousands of
 * paths, and comparing each with every user took 26 s.
 */
function ownerIndex<T extends { dir: string }>(users: readonly T[]): (path: string) => T | undefined {
  const byDir = new Map(users.map((u) => [u.dir, u]));
  return (path) => {
    for (let p = path; p.length > 0; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
      const u = byDir.get(p);
      if (u) return u;
    }
    return undefined;
  };
}

function folderName(userDir: string, folderPath: string): string | undefined {
  const rel = folderPath.slice(userDir.length + 1);
  if (rel === 'Maildir') return '';
  const m = /^Maildir\/(\.[^/]+)$/.exec(rel);
  return m?.[1];
}

/**
 * vpasswd's own count of users against vuserinfo's listing: vpopmail 5.4 stops listing at a line
 * too long for its buffer, with exit 0 (spec 4.4), and a user left out would be left behind.
 * Absent (no vpasswd file): a backend without one.
 */
function checkUserCount(
  lines: string[] | undefined,
  listed: number,
  o: { host: string; domain: string },
): void {
  const fields = (lines ?? []).map((l) => l.split('\t'));
  const count = fields.find((f) => f[0] === 'users');
  if (!count) return;
  const inFile = Number(count[1]);
  if (inFile === listed) return;
  const long = fields.filter((f) => f[0] === 'long').map((f) => `${f[1] ?? ''} (${f[2] ?? '?'} bytes)`);
  throw new PreconditionError(
    `vpasswd of ${o.domain} on ${o.host} holds ${inFile} users, but vuserinfo -D lists ${listed}` +
      (long.length > 0
        ? `: vpopmail cannot read past a line over 255 bytes, that of ${long.join(', ')}`
        : ''),
    {
      host: o.host,
      hint:
        long.length > 0
          ? 'shorten that line (vmoduser -c with a shorter gecos, or by hand with vpopmail stopped) until vuserinfo -D lists every user, then run again'
          : 'vpasswd and what vpopmail lists disagree: check vuserinfo -D by hand, then run again',
    },
  );
}

export function parseInventory(
  text: string,
  o: { host: string; domain: string; vpopmailDir: string },
): Inventory {
  const s = sections(text);
  if (!s.has('vmigrate-inventory') || !s.has('end'))
    throw new VmigrateError(`the inventory of ${o.domain} on ${o.host} came back incomplete`, {
      host: o.host,
    });
  const dominfo = s.get('assign') ?? [];
  if (statusOf(dominfo) !== 0)
    throw new DomainMissingError(`${o.domain} does not exist on ${o.host} (not in qmail's users/assign)`, {
      host: o.host,
    });
  const body = dominfo.filter((l) => !l.startsWith('@@status'));
  const [realDomain = '', uid = '', gid = '', dir = ''] = body;
  if (s.has('nodir'))
    throw new PreconditionError(
      `${o.domain} on ${o.host} is in qmail's users/assign, but its directory ${dir} does not exist`,
      { host: o.host, hint: 'restore the directory (or remove the domain with vpopmail) and run again' },
    );
  const counter = (s.get('counter') ?? [])[0] ?? '0';
  const aliasDomains = body.filter((l) => l.startsWith('alias: ')).map((l) => l.slice('alias: '.length));

  const infoSection = s.get('vuserinfo') ?? [];
  const infoStatus = statusOf(infoSection);
  if (infoStatus !== 0)
    throw new VmigrateError(
      Number.isNaN(infoStatus)
        ? `vuserinfo -D ${o.domain} on ${o.host} was cut off before it finished`
        : `vuserinfo -D ${o.domain} on ${o.host} failed (exit ${infoStatus})`,
      {
        host: o.host,
        hint: 'run `vmigrate inventory` for this domain again; if it fails again, run vuserinfo -D there by hand',
      },
    );
  // Every field is one line, an empty quota included: nothing may be trimmed here.
  const info = infoSection.filter((l) => !l.startsWith('@@status'));
  if (info.length % 8 !== 0)
    throw new VmigrateError(
      `vuserinfo -D ${o.domain} on ${o.host} gave output that is not 8 lines per user`,
      {
        host: o.host,
      },
    );
  const users: InventoryUser[] = [];
  for (let i = 0; i < info.length; i += 8) {
    const [name = '', hash = '', clear = '', uidField = '', flags = '', gecos = '', udir = '', quota = ''] =
      info.slice(i, i + 8);
    users.push({
      name,
      password: new Secret(hash),
      passwordScheme: passwordScheme(hash),
      clearPassword: clear ? new Secret(clear) : undefined,
      hasClearPassword: clear !== '',
      uidField,
      flags: Number(flags) || 0,
      gecos,
      dir: udir,
      quota,
      dotQmail: undefined,
      folders: [],
      messages: 0,
      bytes: 0,
      extra: [],
    });
  }

  checkUserCount(s.get('vpasswd'), users.length, o);

  const contents = parseContents(s.get('contents') ?? []);
  for (const u of users) {
    const c = contents.get(`${u.dir}/.qmail`);
    if (c !== undefined) u.dotQmail = { content: c, lines: parseDotQmail(c) };
  }

  const ownerOf = ownerIndex(users);
  const folders = new Map<InventoryUser, Map<string, FolderStats>>();
  for (const path of (s.get('folders') ?? []).filter(Boolean)) {
    const u = ownerOf(path);
    const name = u && folderName(u.dir, path);
    if (!u || name === undefined) continue;
    const map = folders.get(u) ?? new Map<string, FolderStats>();
    map.set(name, { name, messages: 0, bytes: 0 });
    folders.set(u, map);
  }
  for (const line of (s.get('messages') ?? []).filter(Boolean)) {
    const [path = '', count = '0', bytes = '0'] = line.split('\t');
    const folderPath = path.replace(/\/(cur|new)$/, '');
    const u = ownerOf(folderPath);
    const name = u && folderName(u.dir, folderPath);
    if (!u || name === undefined) continue;
    const map = folders.get(u) ?? new Map<string, FolderStats>();
    const f = map.get(name) ?? { name, messages: 0, bytes: 0 };
    f.messages += Number(count);
    f.bytes += Number(bytes);
    map.set(name, f);
    folders.set(u, map);
  }
  for (const u of users) {
    u.folders = [...(folders.get(u)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
    u.messages = u.folders.reduce((n, f) => n + f.messages, 0);
    u.bytes = u.folders.reduce((n, f) => n + f.bytes, 0);
  }

  const tree = parseTree(s.get('tree') ?? []);
  const dotQmail: DomainDotQmail[] = [];
  const extra: TreeEntry[] = [];
  for (const e of tree) {
    // An extractor's staging directory (maildir/extract-script.sh): a relay in flight, or the
    // leftover of one whose connection died. Not part of the domain.
    if (STAGING.test(e.path)) continue;
    const owner = ownerOf(e.path);
    if (owner) {
      const rel = e.path.slice(owner.dir.length + 1);
      if (
        rel !== '' &&
        rel !== 'Maildir' &&
        rel !== 'lastauth' &&
        rel !== '.qmail' &&
        !rel.startsWith('Maildir/')
      )
        owner.extra.push(withContent({ ...e, path: rel }, contents.get(e.path)));
      continue;
    }
    if (!e.path.startsWith(`${dir}/`)) continue;
    const rel = e.path.slice(dir.length + 1);
    if (VPOPMAIL_OWN.test(rel) || /^[0-9A-Za-z]$/.test(rel) || /^[0-9A-Za-z](\/[0-9A-Za-z])*$/.test(rel))
      continue;
    const dq = /^\.qmail-(.+)$/.exec(rel);
    if (dq?.[1] && !rel.includes('/')) {
      const content = contents.get(e.path);
      const lines = parseDotQmail(content ?? '');
      dotQmail.push({
        name: dq[1].replaceAll(':', '.'),
        file: rel,
        role: roleOf(dq[1], lines, e.target),
        symlinkTarget: e.target,
        content,
        lines,
      });
      continue;
    }
    extra.push(withContent({ ...e, path: rel }, contents.get(e.path)));
  }
  dotQmail.sort((a, b) => (a.file < b.file ? -1 : 1));
  extra.sort((a, b) => (a.path < b.path ? -1 : 1));
  const limits = s.get('limits') ?? [];
  if (limits[0] === 'error')
    throw new VmigrateError(
      `reading the limits table of ${o.domain} on ${o.host} failed: ${mysqlSaid(limits.slice(1)) || 'no answer'}`,
      { host: o.host, hint: VSQL_HINT },
    );
  if (limits[0] === 'own' && statusOf(limits) !== 0)
    throw new VmigrateError(
      `vmoddomlimits -S ${o.domain} on ${o.host} did not finish (${limits.at(-1) ?? 'no output'})`,
      {
        host: o.host,
      },
    );
  const marker = (s.get('marker') ?? []).join('\n').trim();
  const valias = parseValias(s, o);
  return {
    schema: 1,
    host: o.host,
    domain: o.domain,
    realDomain,
    vpopmailDir: o.vpopmailDir,
    dir,
    uid: Number(uid),
    gid: Number(gid),
    userCounter: Number(counter),
    aliasDomains,
    catchAll: parseCatchAll(contents.get(`${dir}/.qmail-default`)),
    dotQmail,
    valias,
    limits:
      limits[0] === 'own'
        ? {
            source: 'domain',
            show: limits
              .slice(1)
              .filter((l) => !l.startsWith('@@status '))
              .join('\n')
              .trimEnd(),
          }
        : { source: 'default', show: undefined },
    users,
    extra,
    provisionedBy: marker === '' ? undefined : marker,
    totals: {
      users: users.length,
      messages: users.reduce((n, u) => n + u.messages, 0),
      bytes: users.reduce((n, u) => n + u.bytes, 0),
    },
  };
}

const VALIAS_ROW = /^([0-9A-F]*)\t([0-9A-F]*)$/;
const VSQL_HINT = "vmigrate reads it with vpopmail's own login from etc/vpopmail.mysql";

/** What mysql said in a section of the script's vsql: every line but rows and the status. */
function mysqlSaid(lines: readonly string[]): string {
  return lines
    .filter((l) => l !== '' && !l.startsWith('@@status ') && !VALIAS_ROW.test(l))
    .join(' ')
    .slice(0, 300);
}

/** The valias section: rows as hex pairs, then mysql's status; anything else is mysql's words. */
function parseValias(s: Map<string, string[]>, o: { host: string; domain: string }): ValiasRow[] | undefined {
  if (s.has('nomysql'))
    throw new PreconditionError(
      `${o.host} keeps aliases or limits in vpopmail's MySQL tables, and has no mysql client to read them with`,
      {
        host: o.host,
        hint: "install the MySQL or MariaDB client on that server (vpopmail's own login is used)",
      },
    );
  const lines = s.get('valias');
  if (lines === undefined || lines.length === 0) return undefined;
  const status = statusOf(lines);
  const said = mysqlSaid(lines);
  // vpopmail creates the table on first use: none yet is no alias yet.
  if (status !== 0 && /(^| )ERROR 1146\b/.test(said)) return [];
  if (status !== 0)
    throw new VmigrateError(
      `reading the valias table of ${o.domain} on ${o.host} failed${Number.isNaN(status) ? ' (cut off)' : ''}: ${said || `exit ${status}`}`,
      { host: o.host, hint: VSQL_HINT },
    );
  const hex = (h: string) => Buffer.from(h, 'hex').toString('utf8');
  return lines.flatMap((l) => {
    const m = VALIAS_ROW.exec(l);
    return m ? [{ alias: hex(m[1] ?? ''), line: hex(m[2] ?? '') }] : [];
  });
}
