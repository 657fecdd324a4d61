/**
 * A mailbox as a flat list of what lies under its Maildir: one read-only round trip per side,
 * parsed record by record as it arrives. `tmp/` contents are never listed (a delivery in
 * progress is not a message yet); the `tmp/` directories themselves are, so they are recreated.
 *
 * Records are NUL-terminated and paths are byte strings (see byte-names.ts): a name with a TAB,
 * a newline or bytes that are not UTF-8 arrives whole, never cut or dropped.
 */
import type { Buffer } from 'node:buffer';
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
export function parseListingRecord(record: Buffer, prefix = 'Maildir/'): MaildirEntry | undefined {
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
  return { path: `${prefix}${rel}`, type, size, mtime, mode: mode.padStart(4, '0') };
}

const FORMAT = '%y %m %s %T@ %P\\0';
const SCRIPT = [
  'm=$1/Maildir',
  '[ -d "$m" ] || exit 0',
  // tmp/ directories are listed, their contents pruned.
  `find "$m" -mindepth 1 \\( -type d -name tmp -printf '${FORMAT}' -prune \\) -o -printf '${FORMAT}'`,
].join('\n');

/** The Maildir of one user directory; an absent Maildir lists as empty. */
export async function listMaildir(remote: Remote, userDir: string): Promise<MaildirEntry[]> {
  const entries: MaildirEntry[] = [];
  let bad: Buffer | undefined;
  const what = `listing ${userDir}/Maildir`;
  await streamRecords(remote, ['sh', '-c', SCRIPT, 'sh', userDir], what, (rec) => {
    const e = parseListingRecord(rec);
    if (e) entries.push(e);
    else bad ??= rec;
  });
  // A record that does not parse is not a file to skip in silence: the listing cannot be trusted.
  if (bad)
    throw new RemoteCommandError(
      `${what} on ${remote.label} printed a record vmigrate cannot read: ${showName(fromBytes(bad.subarray(0, 200)))}`,
      { command: what, code: 0, signal: null, stderr: '' },
      { host: remote.label },
    );
  return entries;
}
