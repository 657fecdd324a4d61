/** vpasswd gid flag bits and the vmoduser letters that set them (spec 4.4). */
export const GID_FLAGS = [
  { bit: 0x00001, letter: 'd', name: 'no-password-change' },
  { bit: 0x00002, letter: 'p', name: 'no-pop' },
  { bit: 0x00004, letter: 'w', name: 'no-webmail' },
  { bit: 0x00008, letter: 'i', name: 'no-imap' },
  { bit: 0x00010, letter: 'b', name: 'bounce-mail' },
  { bit: 0x00020, letter: 'r', name: 'no-relay' },
  { bit: 0x00040, letter: 'u', name: 'no-dialup' },
  { bit: 0x00080, letter: '0', name: 'user0' },
  { bit: 0x00100, letter: '1', name: 'user1' },
  { bit: 0x00200, letter: '2', name: 'user2' },
  { bit: 0x00400, letter: '3', name: 'user3' },
  { bit: 0x00800, letter: 's', name: 'no-smtp' },
  { bit: 0x01000, letter: 'a', name: 'qmailadmin-admin' },
  { bit: 0x02000, letter: 'o', name: 'override-domain-limits' },
  { bit: 0x04000, letter: 'f', name: 'no-spamassassin' },
  { bit: 0x08000, letter: 'F', name: 'delete-spam' },
  { bit: 0x10000, letter: 'S', name: 'system-admin' },
  { bit: 0x20000, letter: 'E', name: 'expert' },
  { bit: 0x40000, letter: 'm', name: 'no-maildrop' },
] as const;

export function flagNames(gid: number): string[] {
  return GID_FLAGS.filter((f) => gid & f.bit).map((f) => f.name);
}

/** The vmoduser options that reproduce exactly this gid: `-x` then one letter per bit. */
export function vmoduserFlagArgs(gid: number): string[] {
  return ['-x', ...GID_FLAGS.filter((f) => gid & f.bit).map((f) => `-${f.letter}`)];
}
