/**
 * The lab's host roster. old and new are the two mail servers; their vpopmail users have
 * different uid/gid and different homes, as real migrations meet them. jump is a bastion,
 * legacy speaks only pre-2015 algorithms.
 */
export type LabHostName = 'old' | 'new' | 'jump' | 'legacy';

export interface LabHostDefinition {
  name: LabHostName;
  /** Last octet of its address on the lab bridge. */
  octet: number;
  vpopmail: { uid: number; gid: number; home: string } | undefined;
  qmailDir: string | undefined;
  legacyOnly: boolean;
}

export const LAB_HOSTS: readonly LabHostDefinition[] = [
  {
    name: 'old',
    octet: 11,
    vpopmail: { uid: 89, gid: 89, home: '/home/vpopmail' },
    qmailDir: '/var/qmail',
    legacyOnly: false,
  },
  {
    name: 'new',
    octet: 12,
    vpopmail: { uid: 1089, gid: 1090, home: '/var/vpopmail' },
    qmailDir: '/var/qmail',
    legacyOnly: false,
  },
  { name: 'jump', octet: 13, vpopmail: undefined, qmailDir: undefined, legacyOnly: false },
  { name: 'legacy', octet: 14, vpopmail: undefined, qmailDir: undefined, legacyOnly: true },
];
