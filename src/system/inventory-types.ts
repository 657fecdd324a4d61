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

/** A directory qmail-local delivers into: its .qmail files and the mail stores they name. */
export interface SystemHome {
  home: string;
  dotQmail: SystemDotQmail[];
  stores: SystemStore[];
}

export interface SystemUser extends SystemHome {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  shell: string;
  password: Secret;
  /** From the hash's prefix: md5-crypt, sha512-crypt, yescrypt, locked, none, other, … */
  passwordScheme: string;
  /** The first line of ~/Maildir/maildirsize: the Maildir++ quota (`<bytes>S[,<count>C]`). */
  maildirQuota?: string | undefined;
  /** The user's disk quota on the file systems of its home and spool, as `quota` reports it. */
  diskQuotas: DiskQuota[];
}

export interface DiskQuota {
  /** The home or the spool mbox it was asked for. */
  path: string;
  device: string;
  /** KiB, as quota reports blocks; 0 = no limit. */
  usedKiB: number;
  softKiB: number;
  hardKiB: number;
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
  /**
   * Whom qmail-getpw hands that prefix to: the account whose home answers (or `alias`), and the
   * extension its addresses get before their own name (`-ex` for `joe-ex`, `` for `joe`).
   */
  prefixOwner: { user: string; home: string; extPrefix: string } | undefined;
  /** Where qmail sends a forward to a bare name: control/envnoathost, else control/me. */
  envnoathost: string | undefined;
  /** Homes that users/assign lines or the prefix name and no listed account has, read the same way. */
  otherHomes: SystemHome[];
  /** What qmail delivers to a user without a .qmail (control/defaultdelivery, or qmail-start's argument in rc). */
  defaultDelivery: string | undefined;
  uidMin: number;
  /** users/assign's `=` lines (exact addresses mapped to accounts). */
  assign: string[];
  users: SystemUser[];
  /** The source has quota(1): disk quotas were asked for (none set otherwise is not known). */
  quotaTool: boolean;
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
