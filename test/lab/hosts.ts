/**
 * The lab's host roster. old and new are the two mail servers; their vpopmail users have
 * different uid/gid and different homes, as real migrations meet them. jump is a bastion,
 * legacy speaks only pre-2015 algorithms. oldsql and newsql are old and new again with
 * vpopmail built on its MySQL backend, each with a MariaDB server of its own: oldsql's
 * lenient as the MySQL 5.x of vpopmail 5.4's era (a value wider than its column is cut),
 * newsql's strict as MariaDB's default (it is refused) (spec 11). oldsql is built with
 * --enable-valias (aliases in the valias table); newsql without, unless a test turns it on.
 */
export type LabHostName = 'old' | 'new' | 'jump' | 'legacy' | 'oldsql' | 'newsql';

export interface LabHostDefinition {
  name: LabHostName;
  /** Last octet of its address on the lab bridge. */
  octet: number;
  vpopmail: { uid: number; gid: number; home: string } | undefined;
  qmailDir: string | undefined;
  legacyOnly: boolean;
  /** vpopmail on the MySQL backend, and how its server treats a value wider than its column. */
  sql?: { mode: 'strict' | 'lenient'; valias?: boolean };
}

const OLD: LabHostDefinition = {
  name: 'old',
  octet: 11,
  vpopmail: { uid: 89, gid: 89, home: '/home/vpopmail' },
  qmailDir: '/var/qmail',
  legacyOnly: false,
};

const NEW: LabHostDefinition = {
  name: 'new',
  octet: 12,
  vpopmail: { uid: 1089, gid: 1090, home: '/var/vpopmail' },
  qmailDir: '/var/qmail',
  legacyOnly: false,
};

export const LAB_HOSTS: readonly LabHostDefinition[] = [
  OLD,
  NEW,
  { name: 'jump', octet: 13, vpopmail: undefined, qmailDir: undefined, legacyOnly: false },
  { name: 'legacy', octet: 14, vpopmail: undefined, qmailDir: undefined, legacyOnly: true },
  { ...OLD, name: 'oldsql', octet: 15, sql: { mode: 'lenient', valias: true } },
  { ...NEW, name: 'newsql', octet: 16, sql: { mode: 'strict' } },
];
