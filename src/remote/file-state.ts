/**
 * Reading a file or directory's exact state on a server (content, mode, owner) and changing
 * it atomically only if it is still as read: what a cutover needs to change qmail's control
 * files and to take every change back byte for byte.
 */
import { readFileSync } from 'node:fs';
import { PreconditionError, RemoteCommandError } from '../errors.js';
import { posixCksum } from './posix-cksum.js';
import type { Remote } from './remote.js';

const EDIT_SCRIPT = readFileSync(new URL('./file-edit-script.sh', import.meta.url), 'utf8');

const READ_SCRIPT = `
p=$1
if [ -e "$p" ] || [ -L "$p" ]; then
  find "$p" -maxdepth 0 -printf '%y %m %U %G\\n' || exit 1
  if [ -f "$p" ] && [ ! -L "$p" ]; then exec cat -- "$p"; fi
else
  echo absent
fi`;

export interface FileState {
  /** false: the file does not exist (the other fields are then empty). */
  exists: boolean;
  content: Buffer;
  /** Octal permission bits as find prints them (`644`, `1700`). */
  mode: string;
  uid: number;
  gid: number;
}

export const ABSENT: FileState = { exists: false, content: Buffer.alloc(0), mode: '', uid: 0, gid: 0 };

/** The thing was changed by someone else between vmigrate's read and its change: nothing done. */
export class ChangedMeanwhileError extends PreconditionError {}

export async function readFileState(remote: Remote, path: string, kind: 'file' | 'dir'): Promise<FileState> {
  if (kind === 'file' && remote.readFile) {
    const f = await remote.readFile(path);
    if (!f) return ABSENT;
    if (f.type !== 'file')
      throw new Error(
        `${remote.label}: ${path} is ${f.type === 'link' ? 'a symbolic link' : 'not a plain file'}; vmigrate changes only plain files`,
      );
    return { exists: true, content: f.content, mode: f.mode.toString(8), uid: f.uid, gid: f.gid };
  }
  const r = await remote.run(['sh', '-c', READ_SCRIPT, 'vmigrate-read', path]);
  const nl = r.stdout.indexOf(10);
  const head = r.stdout.subarray(0, nl < 0 ? undefined : nl).toString();
  if (head === 'absent') return ABSENT;
  const m = /^(\w) (\d+) (\d+) (\d+)$/.exec(head);
  if (!m) throw new Error(`${remote.label}: cannot read the state of ${path}: ${JSON.stringify(head)}`);
  const want = kind === 'file' ? 'f' : 'd';
  if (m[1] !== want) {
    throw new Error(
      `${remote.label}: ${path} is ${m[1] === 'l' ? 'a symbolic link' : 'not a plain ' + kind}; vmigrate changes only plain ${kind === 'file' ? 'files' : 'directories'}`,
    );
  }
  return {
    exists: true,
    content: kind === 'file' ? r.stdout.subarray(nl + 1) : Buffer.alloc(0),
    mode: m[2]!,
    uid: Number(m[3]),
    gid: Number(m[4]),
  };
}

const fingerprint = (s: FileState) => (s.exists ? posixCksum(s.content) : 'absent');

/**
 * Makes `path` hold `next` (or removes it when `next` is absent), only if it still holds
 * `expected`. The new content goes to a temporary file in the same directory, gets its owner
 * and mode, and is renamed over the old one.
 */
export async function replaceFile(
  remote: Remote,
  path: string,
  expected: FileState,
  next: FileState,
): Promise<void> {
  const to = next.exists ? `${next.mode} ${next.uid}:${next.gid}` : 'absent';
  const r = await remote.exec(
    [
      'sh',
      '-c',
      EDIT_SCRIPT,
      'vmigrate-edit',
      path,
      'file',
      fingerprint(expected),
      to,
      posixCksum(next.content),
    ],
    {
      stdin: next.content,
    },
  );
  if (r.code === 3)
    throw new ChangedMeanwhileError(`${remote.label}: ${path} changed while vmigrate was changing it`, {
      host: remote.label,
      hint: 'run the same command again: it reads everything afresh',
    });
  if (r.code !== 0)
    throw new RemoteCommandError(
      `${remote.label}: cannot replace ${path}: ${`${r.stderr.toString()}${r.stdout.toString()}`.trim()}`,
      r,
      {
        host: remote.label,
      },
    );
}

/** Sets a directory's mode, only if it still has `expected`. */
export async function setDirMode(
  remote: Remote,
  path: string,
  expected: string,
  next: string,
): Promise<void> {
  const r = await remote.exec(['sh', '-c', EDIT_SCRIPT, 'vmigrate-edit', path, 'dir', expected, next]);
  if (r.code === 3)
    throw new ChangedMeanwhileError(`${remote.label}: the mode of ${path} changed meanwhile`, {
      host: remote.label,
      hint: 'run the same command again: it reads everything afresh',
    });
  if (r.code !== 0)
    throw new RemoteCommandError(
      `${remote.label}: cannot change the mode of ${path}: ${r.stderr.trim()}`,
      r,
      {
        host: remote.label,
      },
    );
}
