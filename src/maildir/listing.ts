/**
 * Mailboxes as flat lists of what lies under each Maildir: one read-only command per side for
 * many mailboxes, parsed record by record as it arrives. `tmp/` contents are never listed (a delivery in
 * progress is not a message yet); the `tmp/` directories themselves are, so they are recreated.
 *
 * Records are NUL-terminated and paths are byte strings (see byte-names.ts): a name with a TAB,
 * a newline or bytes that are not UTF-8 arrives whole, never cut or dropped.
 */
import { Buffer } from 'node:buffer';
import type { Remote } from '../remote/remote.js';
import { streamRecords } from '../remote/stream-lines.js';
import { fromBytes, showName } from './byte-names.js';
import { RemoteCommandError } from '../errors.js';

export interface MaildirEntry {
  /** Relative to the user directory, a byte string: `Maildir/.Sent/cur/1700000000.1.host,S=120:2,S`. */
  path: string;
  /**
   * find's %y: f file, d directory, l symbolic link; p, s, c, b, D for FIFOs, sockets, devices
   * and doors, which no Maildir should hold and vmigrate never copies (it reports them).
   */
  type: string;
  size: number;
  mtime: number;
  mode: string;
}

/** find's `%y %m %s %T@ ` then the path: the first four fields never hold a space. */
const FIELDS = 4;

/** One record of the listing; undefined for what is not one. */
export function parseListingRecord(record: Buffer): MaildirEntry | undefined {
  const text = fromBytes(record);
  const cut: number[] = [];
  for (let at = -1; cut.length < FIELDS;) {
    at = text.indexOf(' ', at + 1);
    if (at < 0) return undefined;
    cut.push(at);
  }
  const [a, b, c, d] = cut as [number, number, number, number];
  const type = text.slice(0, a);
  const mode = text.slice(a + 1, b);
  const size = Number(text.slice(b + 1, c));
  const mtime = Math.floor(Number(text.slice(c + 1, d)));
  const rel = text.slice(d + 1);
  if (!/^[a-zA-Z]$/.test(type) || !/^[0-7]{1,4}$/.test(mode) || rel === '') return undefined;
  if (!Number.isFinite(size) || !Number.isFinite(mtime)) return undefined;
  return { path: rel, type, size, mtime, mode: mode.padStart(4, '0') };
}

const FORMAT = '%y %m %s %T@ %p\\0';
/**
 * The Maildirs of the user directories read from stdin, one per line (vpasswd's dirs never hold
 * a newline), each announced by a `#<n>` record: one command for many mailboxes. An absent
 * Maildir lists as empty; tmp/ directories are listed, their contents pruned.
 */
const SCRIPT = [
  'st=0 i=0',
  'while IFS= read -r d; do',
  '  printf \'#%d\\0\' "$i"',
  '  i=$((i + 1))',
  '  [ -d "$d/Maildir" ] || continue',
  // The Maildir itself is listed too: a destination that lacks it gets it from the archive,
  // with its owner and mode, and one that holds a link there is seen to.
  `  cd "$d" && find Maildir \\( -type d -name tmp -printf '${FORMAT}' -prune \\) -o -printf '${FORMAT}' || st=1`,
  'done',
  'exit $st',
].join('\n');

/**
 * The Maildirs of many user directories in one command, in the order given; `what` names
 * them in errors. Each mailbox's entries are handed over as soon as its listing is complete.
 */
export async function listMaildirs(
  remote: Remote,
  userDirs: readonly string[],
  onMailbox: (index: number, entries: MaildirEntry[]) => void,
  what = `listing ${userDirs.length} mailbox(es)`,
): Promise<void> {
  if (userDirs.length === 0) return;
  const bad = userDirs.find((d) => d.includes('\n') || d === '');
  if (bad !== undefined) throw new Error(`a user directory cannot be listed by line: ${JSON.stringify(bad)}`);
  let at = -1;
  let entries: MaildirEntry[] = [];
  let unreadable: Buffer | undefined;
  const flush = () => {
    if (at >= 0) onMailbox(at, entries);
    entries = [];
  };
  await streamRecords(
    remote,
    ['sh', '-c', SCRIPT, 'sh'],
    what,
    (rec) => {
      if (rec[0] === 0x23) {
        flush();
        at = Number(fromBytes(rec.subarray(1)));
        return;
      }
      const e = at >= 0 ? parseListingRecord(rec) : undefined;
      if (e) entries.push(e);
      else unreadable ??= rec;
    },
    { stdin: Buffer.from(userDirs.map((d) => `${d}\n`).join(''), 'utf8') },
  );
  // A record that does not parse is not a file to skip in silence: the listing cannot be trusted.
  if (unreadable)
    throw new RemoteCommandError(
      `${what} on ${remote.label} printed a record vmigrate cannot read: ${showName(fromBytes(unreadable.subarray(0, 200)))}`,
      { command: what, code: 0, signal: null, stderr: '' },
      { host: remote.label },
    );
  if (at !== userDirs.length - 1)
    throw new RemoteCommandError(
      `${what} on ${remote.label} ended after ${at + 1} of ${userDirs.length} mailboxes`,
      { command: what, code: 0, signal: null, stderr: '' },
      { host: remote.label },
    );
  flush();
}
