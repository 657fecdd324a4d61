/**
 * Verification of one mailbox: per folder, messages and bytes on both sides, and exactly which
 * messages are missing on the destination or differ there (size, flags, folder, and with
 * checksums the content). Messages only the destination has are counted, not failed: mail
 * delivered to the new server during a live move is expected. The comparison is pure.
 */
import { Buffer } from 'node:buffer';
import type { Remote } from '../remote/remote.js';
import { streamRecords } from '../remote/stream-lines.js';
import { fromBytes, showName } from './byte-names.js';
import { kindOf, messageIdentity, messageKey, type WrittenMessage } from './delta.js';
import { findInMaildirs, type MaildirEntry } from './listing.js';

export interface FolderCount {
  folder: string;
  source: { messages: number; bytes: number };
  destination: { messages: number; bytes: number };
}

export interface MessageProblem {
  /** The source's path, relative to the user directory (a byte string, see byte-names.ts). */
  path: string;
  /** `unreadable`: with checksums, one side could not give this message's checksum. */
  problem: 'missing' | 'size' | 'flags' | 'checksum' | 'unreadable';
  destinationPath?: string;
}

export interface MailboxVerdict {
  label: string;
  folders: FolderCount[];
  problems: MessageProblem[];
  /** Messages delivered on the destination itself (not a difference). */
  onlyOnDestination: number;
  /** Messages a user changed, moved or deleted on the destination since vmigrate wrote them (kept: not a difference). */
  changedOnDestination: number;
  /** Messages vmigrate copied that the source has deleted since (`sync --delete` removes them). */
  deletedOnSource: number;
  /** What the source holds in its Maildir that vmigrate never copies (links, FIFOs, devices); paths as shown. */
  notCopied: Array<{ path: string; kind: string }>;
  /**
   * Messages of the source whose mode denies their owner reading them (0000, 0200…): vpopmail
   * cannot open them there, nor, copied as they are, on the destination; paths as shown.
   */
  unreadable: Array<{ path: string; mode: string }>;
}

/** The owner's read bit of an octal mode ('0600'): on the destination the owner is vpopmail. */
const ownerMayRead = (mode: string): boolean => (Number(mode.at(-3)) & 4) !== 0;

export function folderName(folder: string): string {
  return folder === 'Maildir' ? 'INBOX' : folder.slice('Maildir/'.length);
}

/**
 * Compares one mailbox on both sides. With the ledger (how vmigrate last wrote each
 * message on the destination), what a user did there since is told apart from a difference:
 * a message changed, moved or deleted by a user, or deleted on the source after the copy, is
 * counted as such, never as missing, differing or delivered on the destination.
 */
export function compareMailbox(
  label: string,
  source: readonly MaildirEntry[],
  dest: readonly MaildirEntry[],
  checksums?: { source: ReadonlyMap<string, string>; destination: ReadonlyMap<string, string> },
  ledger: ReadonlyMap<string, WrittenMessage> | (() => ReadonlyMap<string, WrittenMessage>) = new Map(),
): MailboxVerdict {
  // Read only where a message differs or only the destination has one: a mailbox copied
  // whole, the usual case, needs nothing of the ledger (2,000 reads of the state store less
  // in a move of 2,000 mailboxes).
  let read: ReadonlyMap<string, WrittenMessage> | undefined;
  const written = () => (read ??= typeof ledger === 'function' ? ledger() : ledger);
  const folders = new Map<string, FolderCount>();
  const count = (folder: string) => {
    let f = folders.get(folder);
    if (!f) {
      f = {
        folder: folderName(folder),
        source: { messages: 0, bytes: 0 },
        destination: { messages: 0, bytes: 0 },
      };
      folders.set(folder, f);
    }
    return f;
  };
  const destByKey = new Map<string, MaildirEntry>();
  for (const e of dest) {
    const k = e.type === 'f' ? messageKey(e.path) : undefined;
    if (!k) continue;
    destByKey.set(messageIdentity(k), e);
    const f = count(k.folder);
    f.destination.messages += 1;
    f.destination.bytes += e.size;
  }
  const problems: MessageProblem[] = [];
  const notCopied: MailboxVerdict['notCopied'] = [];
  const unreadable: MailboxVerdict['unreadable'] = [];
  let changedOnDestination = 0;
  /** Changed by a user since vmigrate wrote it (`d` undefined: removed or moved away). */
  const byUser = (identity: string, d: MaildirEntry | undefined): boolean => {
    const w = written().get(identity);
    if (w?.path === undefined) return false;
    if (!d) return w.confirmed;
    return d.path !== w.path || (w.size !== undefined && d.size !== w.size);
  };
  const sourceIdentities = new Set<string>();
  for (const e of source) {
    if (e.type !== 'f' && e.type !== 'd') notCopied.push({ path: showName(e.path), kind: kindOf(e.type) });
    const k = e.type === 'f' ? messageKey(e.path) : undefined;
    if (!k) continue;
    if (!ownerMayRead(e.mode)) unreadable.push({ path: showName(e.path), mode: e.mode });
    const f = count(k.folder);
    f.source.messages += 1;
    f.source.bytes += e.size;
    const identity = messageIdentity(k);
    sourceIdentities.add(identity);
    const d = destByKey.get(identity);
    if (!d) {
      if (byUser(identity, d)) changedOnDestination += 1;
      else problems.push({ path: e.path, problem: 'missing' });
      continue;
    }
    if ((d.size !== e.size || d.path !== e.path) && byUser(identity, d)) changedOnDestination += 1;
    else if (d.size !== e.size) problems.push({ path: e.path, problem: 'size', destinationPath: d.path });
    else if (d.path !== e.path) problems.push({ path: e.path, problem: 'flags', destinationPath: d.path });
    else if (checksums) {
      // A message without a checksum on either side was not compared: never a pass.
      const a = checksums.source.get(e.path);
      const b = checksums.destination.get(d.path);
      if (a === undefined || b === undefined)
        problems.push({ path: e.path, problem: 'unreadable', destinationPath: d.path });
      else if (a !== b) problems.push({ path: e.path, problem: 'checksum', destinationPath: d.path });
    }
  }
  // What only the destination has: vmigrate's copies the source deleted since, messages a user
  // moved there from a folder vmigrate wrote them to (counted above), and mail delivered there.
  let recordedUniques: Set<string> | undefined;
  let deletedOnSource = 0;
  let delivered = 0;
  for (const [identity, d] of destByKey) {
    if (sourceIdentities.has(identity)) continue;
    recordedUniques ??= new Set([...written().keys()].map((id) => id.slice(id.indexOf('\0') + 1)));
    if (written().has(identity)) deletedOnSource += 1;
    else if (!recordedUniques.has(messageKey(d.path)?.unique ?? '')) delivered += 1;
  }
  return {
    label,
    folders: [...folders.values()].sort((a, b) => (a.folder < b.folder ? -1 : 1)),
    problems,
    onlyOnDestination: delivered,
    changedOnDestination,
    deletedOnSource,
    notCopied,
    unreadable,
  };
}

/**
 * One line of GNU sha256sum, as a byte string. A name holding a backslash or a newline (or, in
 * newer coreutils, a carriage return) is escaped and its line starts with a backslash; a line
 * that is not a checksum line is undefined.
 */
export function parseChecksumLine(line: string): { path: string; sum: string } | undefined {
  const escaped = line.startsWith('\\');
  const m = /^([0-9a-f]{64}) [ *]([^]+)$/.exec(escaped ? line.slice(1) : line);
  if (!m?.[1] || m[2] === undefined) return undefined;
  const path = escaped
    ? m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c))
    : m[2];
  return { path, sum: m[1] };
}

/** The Maildirs of the user directories on stdin (one per line), every message in one pipe. */
// xargs exits 123 when a message vanished between find and sha256sum: a live mailbox. Such a
// message has no checksum, and compareMailbox reports it.
const CHECKSUM_SCRIPT = findInMaildirs(
  '-name tmp -prune -o -type f \\( -path "*/cur/*" -o -path "*/new/*" \\) -print0',
  ' | xargs -0 -r sha256sum',
);

/**
 * SHA-256 of every message of many Maildirs in one command, streamed: a map per user
 * directory, in the order given, keyed by the path relative to it.
 */
export async function messageChecksums(
  remote: Remote,
  userDirs: readonly string[],
): Promise<Array<Map<string, string>>> {
  if (userDirs.length === 0) return [];
  // sha256sum names each file by its whole path: the part before its last "/Maildir/" is the
  // user directory (a Maildir holds no directory of that name: its folders start with a dot).
  const byDir = new Map<string, Map<string, string>>();
  const sums = userDirs.map((d) => {
    const key = fromBytes(Buffer.from(d, 'utf8'));
    const m = byDir.get(key) ?? new Map<string, string>();
    byDir.set(key, m);
    return m;
  });
  await streamRecords(
    remote,
    ['sh', '-c', CHECKSUM_SCRIPT, 'sh'],
    `checksums of ${userDirs.length === 1 ? `${userDirs[0]}/Maildir` : `${userDirs.length} mailboxes`}`,
    (line) => {
      const c = parseChecksumLine(fromBytes(line));
      const at = c?.path.lastIndexOf('/Maildir/') ?? -1;
      if (c && at >= 0) byDir.get(c.path.slice(0, at))?.set(c.path.slice(at + 1), c.sum);
    },
    { ok: [0, 123], separator: 10, stdin: Buffer.from(userDirs.map((d) => `${d}\n`).join(''), 'utf8') },
  );
  return sums;
}
