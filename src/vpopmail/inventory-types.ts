/**
 * A domain as vmigrate reads it from a server: schema 1 of `vmigrate inventory --json`
 * (documented in docs/inventory.md). Password hashes and clear passwords are Secrets: they
 * serialise as "<redacted>" and never reach a log or the terminal.
 */
import type { Secret } from '../remote/quote.js';
import type { CatchAll, DeliveryLine, DotQmailRole } from './dot-qmail.js';

export interface TreeEntry {
  /** f file, d directory, l symlink (find's %y). */
  type: string;
  /** Permission bits in octal, as chmod takes them ("0700"). */
  mode: string;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  path: string;
  target?: string;
  /** For small control files that name a path under the vpopmail home: their text. */
  content?: string;
}

export interface FolderStats {
  /** "" for INBOX, else the Maildir++ name with its leading dot (".Sent", ".Archive.2019"). */
  name: string;
  messages: number;
  bytes: number;
}

export interface InventoryUser {
  name: string;
  password: Secret;
  /** The password scheme, from the hash's prefix: md5-crypt, sha512-crypt, des, none, … */
  passwordScheme: string;
  clearPassword: Secret | undefined;
  hasClearPassword: boolean;
  /** vpasswd's uid field (1 = POP, 2 = APOP; not a Unix uid). */
  uidField: string;
  /** vpasswd's gid field: the flag bits. */
  flags: number;
  gecos: string;
  dir: string;
  quota: string;
  /** The user's own .qmail, when there is one. */
  dotQmail: { content: string; lines: DeliveryLine[] } | undefined;
  folders: FolderStats[];
  messages: number;
  bytes: number;
  /** Other files and directories in the user directory (vacation/, …), relative to it. */
  extra: TreeEntry[];
  /**
   * The user's mail is this mbox on the source, converted into its Maildir on the way (a
   * system account's: docs/system-accounts.md). Absent: the Maildir under `dir`.
   */
  mbox?: string | undefined;
}

export interface DomainDotQmail {
  /** The part after `.qmail-`, with `:` turned back into `.` (the address local part). */
  name: string;
  file: string;
  role: DotQmailRole;
  symlinkTarget: string | undefined;
  content: string | undefined;
  lines: DeliveryLine[];
}

/** One row of vpopmail's valias table (--enable-valias): one delivery line of an alias. */
export interface ValiasRow {
  alias: string;
  line: string;
}

export interface Inventory {
  schema: 1;
  host: string;
  domain: string;
  realDomain: string;
  vpopmailDir: string;
  dir: string;
  uid: number;
  gid: number;
  /** The first line of the domain's .dir-control (vdominfo's users:), a bucket counter, not a count of mailboxes. */
  userCounter: number;
  aliasDomains: string[];
  catchAll: CatchAll;
  dotQmail: DomainDotQmail[];
  /**
   * The domain's rows of the valias table, in the order vdelivermail reads them, on a build
   * with --enable-valias; undefined where aliases are .qmail files only.
   */
  valias: ValiasRow[] | undefined;
  limits: { source: 'domain' | 'default'; show: string | undefined };
  users: InventoryUser[];
  /** Files and directories of the domain that are neither vpopmail's own nor a mailbox (lists, autoresponders, messages texts). */
  extra: TreeEntry[];
  /** The marker vmigrate leaves in a domain it provisioned (destination side), if any. */
  provisionedBy: string | undefined;
  totals: { users: number; messages: number; bytes: number };
}
