/** A sample of what vmigrate's inventory script prints, for parser tests. */
export const INVENTORY_DIR = '/v/domains/0/ex.example';
const D = INVENTORY_DIR;
const hex = (s: string) =>
  Buffer.from(s)
    .toString('hex')
    .replace(/(..)/g, ' $1')
    .replace(/((?: ..){16})/g, '$1\n')
    .trimEnd();
const row = (type: string, mode: string, path: string, target = '') =>
  `${type}\t${mode}\t89\t89\t10\t1700000000.5\t${path}\t${target}`;

/** What inventory-script.sh prints for a small domain, written out by hand. */
export function inventoryScriptOutput(
  over: {
    assignStatus?: number;
    vuserinfo?: string[];
    /** The line that ends vuserinfo's section; null: none (the listing was cut off). */
    vuserinfoStatus?: string | null;
    vpasswd?: string[];
    limits?: string[];
    /** The valias section's lines (absent: not a valias build). */
    valias?: string[];
    end?: boolean;
  } = {},
): string {
  return [
    '@@vmigrate-inventory 1',
    '@@assign',
    'ex.example',
    '89',
    '89',
    D,
    'alias: ex.net',
    `@@status ${over.assignStatus ?? 0}`,
    '@@counter',
    '4',
    '@@vuserinfo',
    ...(over.vuserinfo ?? [
      ...['al', '$1$abcdefgh$CSiVTZddYDOMinbJG4io/1', 'clear-1', '1', '10', 'Al Ex', `${D}/al`, '5000S'],
      ...['moved', '$6$salt$xyz', '', '1', '0', 'moved', '/elsewhere/moved', 'NOQUOTA'],
      ...['postmaster', '', '', '1', '0', 'Postmaster', `${D}/postmaster`, ''],
    ]),
    ...(over.vuserinfoStatus === null ? [] : [over.vuserinfoStatus ?? '@@status 0']),
    '@@vpasswd',
    ...(over.vpasswd ?? ['users\t3']),
    '@@valias',
    ...(over.valias ?? []),
    '@@limits',
    ...(over.limits ?? ['default']),
    '@@tree',
    row('f', '600', `${D}/vpasswd`),
    row('f', '644', `${D}/.dir-control`),
    row('d', '700', `${D}/0`),
    row('f', '600', `${D}/.qmail-default`),
    row('f', '600', `${D}/.qmail-dot:name`),
    row('l', '777', `${D}/.qmail-list`, `${D}/list/editor`),
    row('d', '700', `${D}/list`),
    row('f', '600', `${D}/list/editor`),
    row('d', '700', `${D}/al`),
    row('d', '700', `${D}/al/Maildir`),
    row('f', '600', `${D}/al/lastauth`),
    row('f', '644', `${D}/al/.qmail`),
    row('d', '700', `${D}/al/vacation`),
    row('d', '700', `/elsewhere/moved/Maildir`),
    '@@folders',
    `${D}/al/Maildir`,
    `${D}/al/Maildir/.My Stuff`,
    `${D}/al/Maildir/.Empty`,
    '/elsewhere/moved/Maildir',
    '@@messages',
    `${D}/al/Maildir/cur\t3\t3000`,
    `${D}/al/Maildir/new\t1\t500`,
    `${D}/al/Maildir/.My Stuff/cur\t2\t20`,
    '/elsewhere/moved/Maildir/new\t1\t7',
    '@@contents',
    `@@file ${D}/.qmail-default`,
    hex("| /v/bin/vdelivermail '' bounce-no-mailbox\n"),
    `@@file ${D}/.qmail-dot:name`,
    hex('&al@ex.example\n'),
    `@@file ${D}/al/.qmail`,
    hex(`&x@remote.example\n${D}/al/Maildir/\n`),
    ...(over.end === false ? [] : ['@@end']),
    '',
  ].join('\n');
}
