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
const SPACE = 0x20;
const isLetter = (c: number | undefined) => c !== undefined && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isOctal = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x37;

/** The few modes a Maildir holds, each as one string ('0600'), not a new one per entry. */
const modes = new Map<number, string>();
function modeText(record: Buffer, from: number, to: number): string | undefined {
  if (to - from < 1 || to - from > 4) return undefined;
  let key = 0;
  for (let i = from; i < to; i++) {
    if (!isOctal(record[i])) return undefined;
    key = key * 8 + (record[i] as number) - 0x30;
  }
  let text = modes.get(key);
  if (text === undefined) modes.set(key, (text = key.toString(8).padStart(4, '0')));
  return text;
}

/**
 * One record of the listing; undefined for what is not one. Read from the bytes, not from a
 * string of the whole record: a listing has an entry per message, and what each entry keeps
 * (its path as a string of its own, a shared mode string) and leaves behind is what a sync of
 * many small messages allocated most.
 */
export function parseListingRecord(record: Buffer): MaildirEntry | undefined {
  const a = record.indexOf(SPACE);
  const b = a < 0 ? -1 : record.indexOf(SPACE, a + 1);
  const c = b < 0 ? -1 : record.indexOf(SPACE, b + 1);
  const d = c < 0 ? -1 : record.indexOf(SPACE, c + 1);
  if (d < 0 || a !== 1 || !isLetter(record[0]) || d + 1 === record.length) return undefined;
  const mode = modeText(record, a + 1, b);
  if (mode === undefined) return undefined;
  const size = Number(record.toString('latin1', b + 1, c));
  const mtime = Math.floor(Number(record.toString('latin1', c + 1, d)));
  if (!Number.isFinite(size) || !Number.isFinite(mtime)) return undefined;
  return {
    path: record.toString('latin1', d + 1, record.length),
    type: String.fromCharCode(record[0] as number),
    size,
    mtime,
    mode,
  };
}

/**
 * Each entry as two records: the Maildir it was found under (find's starting point), then the
 * entry, its path relative to the user directory (`Maildir/` for the Maildir itself).
 */
const FORMAT = '%H\\0%y %m %s %T@ Maildir/%P\\0';
/**
 * A shell pipeline running `find -P <Maildirs> <expression><then>` over the Maildirs of the
 * user directories on stdin, one per line (vpasswd's dirs never hold a newline), that have one:
 * a fixed number of processes for any number of mailboxes (a shell loop reading stdin line by
 * line paid a system call per byte, and growing "$@" one by one grew as the square).
 * `expression` and `then` hold no single quote.
 */
export function findInMaildirs(expression: string, then = ''): string {
  if (`${expression}${then}`.includes("'"))
    throw new Error('findInMaildirs: a single quote in the expression');
  return [
    `tr '\\n' '\\0' | xargs -0 -r sh -c 'for d; do [ -d "$d/Maildir" ] && printf "%s/Maildir\\0" "$d"; done' sh |`,
    `  xargs -0 -r sh -c 'find -P "$@" ${expression}${then}' sh`,
  ].join('\n');
}

/**
 * An absent Maildir lists as empty; the Maildir itself is listed (a destination that lacks it
 * gets it from the archive, with its owner and mode, and a link standing there is seen); tmp/
 * directories are listed, their contents pruned.
 */
const SCRIPT = findInMaildirs(`\\( -type d -name tmp -printf "${FORMAT}" -prune \\) -o -printf "${FORMAT}"`);

/** find's complaint about an entry gone between reading its directory and its stat (quotes as the locale has them). */
const VANISHED = /^find: ['‘].*['’]: No such file or directory$/;

/**
 * A live Maildir changes while it is walked: a message delivered, read or deleted between
 * find's readdir and its stat is complained about (find exits 1, xargs then 123) and simply
 * not listed, as if the walk had come a moment later. Any other complaint fails the listing.
 */
export function onlyVanished(code: number, stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l !== '');
  return (code === 1 || code === 123) && lines.length > 0 && lines.every((l) => VANISHED.test(l));
}

/**
 * The Maildirs of many user directories in one command: their entries, in the order given;
 * `what` names them in errors.
 */
export async function listMaildirs(
  remote: Remote,
  userDirs: readonly string[],
  what = `listing ${userDirs.length} mailbox(es)`,
): Promise<MaildirEntry[][]> {
  if (userDirs.length === 0) return [];
  const bad = userDirs.find((d) => d.includes('\n') || d === '');
  if (bad !== undefined) throw new Error(`a user directory cannot be listed by line: ${JSON.stringify(bad)}`);
  // The starting point find prints, as bytes: which mailbox (or mailboxes) an entry is of.
  const byStart = new Map<string, number[]>();
  userDirs.forEach((d, i) => {
    const key = fromBytes(Buffer.from(`${d}/Maildir`, 'utf8'));
    byStart.set(key, [...(byStart.get(key) ?? []), i]);
  });
  const lists: MaildirEntry[][] = userDirs.map(() => []);
  let start: number[] | undefined;
  // Every entry repeats its starting point: it is looked up only when it changes.
  let lastStart: { bytes: Buffer; boxes: number[] } | undefined;
  let unreadable: Buffer | undefined;
  await streamRecords(
    remote,
    ['sh', '-c', SCRIPT, 'sh'],
    what,
    (rec) => {
      if (start === undefined) {
        if (lastStart?.bytes.equals(rec)) {
          start = lastStart.boxes;
          return;
        }
        start = byStart.get(fromBytes(rec));
        if (!start) unreadable ??= rec;
        start ??= [];
        lastStart = { bytes: Buffer.from(rec), boxes: start };
        return;
      }
      const e = parseListingRecord(rec);
      if (e) {
        if (e.path === 'Maildir/') e.path = 'Maildir';
        for (const i of start) lists[i]?.push(e);
      } else unreadable ??= rec;
      start = undefined;
    },
    { stdin: Buffer.from(userDirs.map((d) => `${d}\n`).join(''), 'utf8'), okWhen: onlyVanished },
  );
  // A record that does not parse is not a file to skip in silence: the listing cannot be trusted.
  if (unreadable || start !== undefined)
    throw new RemoteCommandError(
      `${what} on ${remote.label} printed a record vmigrate cannot read: ${showName(fromBytes((unreadable ?? Buffer.alloc(0)).subarray(0, 200)))}`,
      { command: what, code: 0, signal: null, stderr: '' },
      { host: remote.label },
    );
  return lists;
}
