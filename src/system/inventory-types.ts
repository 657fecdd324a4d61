/**
 * A "system" mail domain as vmigrate reads it from a qmail server whose mailboxes are Unix
 * accounts (docs/system-accounts.md): the accounts qmail delivers the domain's mail to, their
 * password hashes (Secrets: never logged), their .qmail files and where their mail lies, and
 * the aliases of ~alias. Read only.
 */
import type { Secret } from '../remote/quote.js';
import type { DeliveryLine } from '../vpopmail/dot-qmail.js';
import type { FolderStats } from '../vpopmail/inventory-types.js';

export interface SystemDotQmail {
  /** The file's name: `.qmail`, or `.qmail-<ext>`. */
  file: string;
  /** The extension it answers (`lists` for `.qmail-lists`, `:` read back as `.`); undefined for `.qmail`. */
  ext: string | undefined;
  content: string;
  lines: DeliveryLine[];
}

export type SystemStore =
  | {
      kind: 'maildir';
      /** As the delivery names it (`./Maildir/`, or absolute). */
      path: string;
      folders: FolderStats[];
      messages: number;
      bytes: number;
    }
  | {
      kind: 'mbox';
      path: string;
      /** The file it is (links resolved): two names of one mbox are one store. */
      canonical: string;
      bytes: number;
      mtime: number;
      owner: number;
      /** `From ` lines: the messages, unless a body holds an unquoted one (mboxcl2). */
      fromLines: number;
      /** As the file looks: mboxcl2 when every message has a Content-Length, else mboxrd (qmail's). */
      format: 'mboxrd' | 'mboxcl2';
    };

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  password: Secret;
  /** From the hash's prefix: md5-crypt, sha512-crypt, yescrypt, locked, none, other, … */
  passwordScheme: string;
  dotQmail: SystemDotQmail[];
  /** Every place mail of the user lies (the usual ones and each file delivery of ~/.qmail). */
  stores: SystemStore[];
}

export interface SystemInventory {
  schema: 1;
  kind: 'system';
  host: string;
  domain: string;
  /** The domain is in control/locals: its local parts are the accounts' names. */
  locals: boolean;
  /** control/virtualdomains' target for the domain, when it has one. */
  virtualDomain: string | undefined;
  /** What qmail delivers to a user without a .qmail (control/defaultdelivery, or qmail-start's argument in rc). */
  defaultDelivery: string | undefined;
  uidMin: number;
  /** users/assign's `=` lines (exact addresses mapped to accounts). */
  assign: string[];
  users: SystemUser[];
  /** Accounts in the range (or listed) that qmail does not deliver to, and why. */
  notMailUsers: Array<{ name: string; why: string }>;
  /** Names of a user list that passwd does not know. */
  missing: string[];
  /** ~alias/.qmail-<name>: addresses of every local domain. */
  aliases: SystemDotQmail[];
  /** The alias user's home, where those files are (qmail's alias directory). */
  aliasHome: string;
  totals: { users: number; messages: number; bytes: number };
}
