/** Arguments and flags that several commands share. */
import { Args, Flags } from '@oclif/core';
import { DATA_PATHS, DEFAULT_DATA_PATH } from '../migration/direct-path.js';
import { DEFAULT_CONCURRENCY } from '../migration/transfer.js';

export const domainArg = {
  domain: Args.string({ description: 'the domain (IDN as punycode)', required: true }),
};

export const pairFlags = {
  from: Flags.string({
    description: 'the source server (profile, ssh alias or user@host[:port])',
    required: true,
  }),
  to: Flags.string({ description: 'the destination server', required: true }),
  merge: Flags.boolean({
    description: 'when the destination already has the domain: add what is missing, never overwrite',
  }),
  'skip-unrepresentable': Flags.boolean({
    description:
      'leave out, each one reported, the users the destination cannot store as they are (a password wider than its MySQL column), instead of stopping',
  }),
};

/** Flags of the commands that move messages (move, sync). */
export const transferFlags = {
  concurrency: Flags.integer({
    description:
      'tar streams at once for a domain, big mailboxes cut in slices (more help on high-latency links)',
    default: DEFAULT_CONCURRENCY,
    min: 1,
    max: 64,
  }),
  delete: Flags.boolean({
    description:
      'remove from the destination the messages deleted on the source since vmigrate copied them (never a message vmigrate did not bring)',
  }),
  compress: Flags.boolean({
    description: 'compress the streams (zstd when both hosts have it, else gzip): for slow links only',
  }),
};

/** Flags of the commands that drive a run (move, resume, sync). */
export const runFlags = {
  'break-lock': Flags.boolean({
    description:
      "take over a domain's lock on the destination left by another vmigrate that is gone for good (its machine died)",
  }),
};

/** Which way the mail travels (move, plan). */
export const dataPathFlags = {
  'data-path': Flags.string({
    description:
      "relay: through this machine; direct: from the source's tar straight into the destination's sshd, the source logging in with a key made for the run and held only here; auto: direct when the source reaches the destination, else the relay",
    options: [...DATA_PATHS],
    default: DEFAULT_DATA_PATH,
  }),
  'direct-address': Flags.string({
    description:
      "how the source reaches the destination's sshd on the direct path, HOST[:PORT] (default: the profile's directAddress, else as vmigrate reaches it)",
  }),
};

/** --from-system: the source's mailboxes are Unix accounts (docs/system-accounts.md). */
export const systemFlags = {
  'from-system': Flags.boolean({
    description:
      "the source's mail users are Unix accounts (passwd, Maildir or mbox, .qmail files), made into a vpopmail domain on the destination",
  }),
  'uid-min': Flags.integer({
    description:
      "with --from-system: the lowest uid of a mail account (default: the source's UID_MIN, else 1000)",
    min: 1,
  }),
  users: Flags.string({
    description: 'with --from-system: a file naming the accounts to move, one per line (# comments)',
  }),
  'new-passwords': Flags.boolean({
    description:
      'with --from-system: accounts whose hash the destination cannot verify (or that have none) get a new random password, written to a 0600 file in the state directory',
  }),
};
