/**
 * A mailbox as a flat list of what lies under its Maildir: one read-only round trip per side,
 * parsed line by line as it arrives. `tmp/` contents are never listed (a delivery in progress
 * is not a message yet); the `tmp/` directories themselves are, so they are recreated.
 */
import type { Remote } from '../remote/remote.js';
import { streamLines } from '../remote/stream-lines.js';

export interface MaildirEntry {
  /** Relative to the user directory: `Maildir/.Sent/cur/1700000000.1.host,S=120:2,S`. */
  path: string;
  type: 'f' | 'd' | 'l';
  size: number;
  mtime: number;
  mode: string;
}

/** One line of `find -printf '%y\t%m\t%s\t%T@\t%P\n'`; undefined for what is not one. */
export function parseListingLine(line: string): MaildirEntry | undefined {
  const parts = line.split('\t');
  if (parts.length !== 5) return undefined;
  const [type, mode = '', size = '', mtime = '', rel = ''] = parts;
  if ((type !== 'f' && type !== 'd' && type !== 'l') || rel === '') return undefined;
  return {
    path: `Maildir/${rel}`,
    type,
    size: Number(size),
    mtime: Math.floor(Number(mtime)),
    mode: mode.padStart(4, '0'),
  };
}

const SCRIPT = [
  'm=$1/Maildir',
  '[ -d "$m" ] || exit 0',
  // tmp/ directories are listed, their contents pruned.
  `find "$m" -mindepth 1 \\( -type d -name tmp -printf '%y\\t%m\\t%s\\t%T@\\t%P\\n' -prune \\) -o -printf '%y\\t%m\\t%s\\t%T@\\t%P\\n'`,
].join('\n');

/** The Maildir of one user directory; an absent Maildir lists as empty. */
export async function listMaildir(remote: Remote, userDir: string): Promise<MaildirEntry[]> {
  const entries: MaildirEntry[] = [];
  await streamLines(remote, ['sh', '-c', SCRIPT, 'sh', userDir], `listing ${userDir}/Maildir`, (line) => {
    const e = parseListingLine(line);
    if (e) entries.push(e);
  });
  return entries;
}
