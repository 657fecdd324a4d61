/** Data for unit tests: inventories, users, host capabilities and handles, each with overridable fields. */
import type { HostHandle } from '../../src/hosts/open-hosts.js';
import type { Capabilities } from '../../src/hosts/probe.js';
import { Secret } from '../../src/remote/quote.js';
import type { MoveRequest } from '../../src/state/run-journal.js';
import type { Inventory, InventoryUser } from '../../src/vpopmail/inventory-types.js';
import { FakeRemote } from './fake-remote.js';

export function aUser(name: string, domainDir: string, o: Partial<InventoryUser> = {}): InventoryUser {
  return {
    name,
    password: new Secret(`$1$salt$${name}`),
    passwordScheme: 'md5-crypt',
    clearPassword: undefined,
    hasClearPassword: false,
    uidField: '1',
    flags: 0,
    gecos: name,
    dir: `${domainDir}/${name}`,
    quota: 'NOQUOTA',
    dotQmail: undefined,
    folders: [],
    messages: 0,
    bytes: 0,
    extra: [],
    ...o,
  };
}

export function anInventory(o: Partial<Inventory> & { users?: InventoryUser[] } = {}): Inventory {
  const domain = o.domain ?? 'ex.com';
  const home = o.vpopmailDir ?? '/home/vpopmail';
  const users = o.users ?? [];
  return {
    schema: 1,
    host: 'old',
    domain,
    realDomain: domain,
    vpopmailDir: home,
    dir: `${home}/domains/${domain}`,
    uid: 89,
    gid: 89,
    userCounter: users.length,
    aliasDomains: [],
    catchAll: { kind: 'bounce' },
    dotQmail: [],
    valias: undefined,
    limits: { source: 'default', show: undefined },
    users,
    extra: [],
    provisionedBy: undefined,
    totals: {
      users: users.length,
      messages: users.reduce((n, u) => n + u.messages, 0),
      bytes: users.reduce((n, u) => n + u.bytes, 0),
    },
    ...o,
  };
}

export function capabilities(o: Partial<Capabilities> & { vpopmailDir?: string } = {}): Capabilities {
  const dir = o.vpopmailDir ?? '/home/vpopmail';
  const { vpopmailDir: _dir, ...rest } = o;
  return {
    os: 'Linux',
    osRelease: '6.1',
    hostname: 'h',
    loginUid: 0,
    tar: { version: 'tar (GNU tar) 1.34', gnu: true },
    find: { version: 'find (GNU findutils) 4.9.0', gnu: true },
    vpopmail: {
      dir,
      bin: `${dir}/bin`,
      version: '5.4.33',
      backend: 'cdb',
      valias: false,
      mysqlLimits: false,
      uid: 89,
      gid: 89,
    },
    qmail: { dir: '/var/qmail', present: true },
    programs: {
      gzip: '/usr/bin/gzip',
      zstd: undefined,
      sha256sum: '/usr/bin/sha256sum',
      rsync: undefined,
      autorespond: undefined,
      'qmail-autoresponder': undefined,
      'ezmlm-make': undefined,
      'ezmlm-send': undefined,
    },
    diskFreeBytes: 100 * 2 ** 30,
    inodesFree: 1_000_000,
    ...rest,
  };
}

/** A host that answers nothing unless told to (see FakeRemote). */
export function aHost(
  label: string,
  caps: Capabilities = capabilities(),
  remote = new FakeRemote(label),
): HostHandle {
  return { label, remote, caps };
}

/** What `vmigrate move` records for a run, with the defaults of its flags. */
export function aMoveRequest(domains: string[], o: Partial<MoveRequest> = {}): MoveRequest {
  return {
    domains,
    from: 'old',
    to: 'new',
    merge: false,
    skipUnrepresentable: false,
    checksum: false,
    compress: false,
    concurrency: 8,
    domainsConcurrency: 2,
    failFast: false,
    ...o,
  };
}
