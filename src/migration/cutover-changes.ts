/**
 * The changes a cutover makes on the source, each written to the state store before it is
 * made, made only if the thing is still as read, and taken back the same way. A change found
 * already made (a kill after the change, before its record) is recorded as made; one found
 * neither as it was nor as intended was changed by someone else, and is not overwritten.
 */
import { PreconditionError } from '../errors.js';
import {
  ChangedMeanwhileError,
  readFileState,
  replaceFile,
  setDirMode,
  type FileState,
} from '../remote/file-state.js';
import type { Remote } from '../remote/remote.js';
import type { Change, ChangeState, Cutovers } from '../state/cutovers.js';
import { vmoduserFlagArgs } from '../vpopmail/flags.js';

export interface SourceSide {
  remote: Remote;
  /** Where vmoduser is. */
  vpopmailBin: string;
  domainDir: string;
  /** The domain, whose users' flags vuserinfo lists (from vpasswd or MySQL alike). */
  domain: string;
}

export interface ChangeJournal {
  cutovers: Cutovers;
  id: number;
  /** Told of each change as it is written down and as it is made or taken back. */
  noted?:
    ((change: { seq: number; target: string; status: 'planned' | 'applied' | 'undone' }) => void) | undefined;
}

const fileChange = (s: FileState): ChangeState => ({ kind: 'file', ...s });

/** The flags (gid) field of each user, from `vuserinfo -n -g -D`: name and flags, line by line. */
export function flagsOf(listing: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = listing.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [name = '', flags = ''] = [lines[i], lines[i + 1]];
    if (name !== '' && /^\d+$/.test(flags)) out.set(name.toLowerCase(), Number(flags));
  }
  return out;
}

/** Through vpopmail, not its files: a MySQL build has no vpasswd (spec 11). */
export async function readFlags(side: SourceSide): Promise<Map<string, number>> {
  const r = await side.remote.run([`${side.vpopmailBin}/vuserinfo`, '-n', '-g', '-D', side.domain]);
  return flagsOf(r.stdout.toString('latin1'));
}

async function current(side: SourceSide, target: string, like: ChangeState): Promise<ChangeState> {
  switch (like.kind) {
    case 'file':
      return fileChange(await readFileState(side.remote, target, 'file'));
    case 'dir-mode':
      return { kind: 'dir-mode', mode: (await readFileState(side.remote, target, 'dir')).mode };
    case 'user-flags': {
      const flags = (await readFlags(side)).get(target.slice(0, target.lastIndexOf('@')).toLowerCase());
      if (flags === undefined)
        throw new PreconditionError(`${target} is no longer a user on ${side.remote.label}`, {
          host: side.remote.label,
        });
      return { kind: 'user-flags', flags };
    }
  }
}

export function sameState(a: ChangeState, b: ChangeState): boolean {
  if (a.kind === 'file' && b.kind === 'file') {
    if (!a.exists || !b.exists) return a.exists === b.exists;
    return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.content.equals(b.content);
  }
  if (a.kind === 'dir-mode' && b.kind === 'dir-mode') return a.mode === b.mode;
  if (a.kind === 'user-flags' && b.kind === 'user-flags') return a.flags === b.flags;
  return false;
}

async function put(side: SourceSide, target: string, from: ChangeState, to: ChangeState): Promise<void> {
  if (from.kind === 'file' && to.kind === 'file') return replaceFile(side.remote, target, from, to);
  if (from.kind === 'dir-mode' && to.kind === 'dir-mode')
    return setDirMode(side.remote, target, from.mode, to.mode);
  if (to.kind === 'user-flags') {
    await side.remote.run([`${side.vpopmailBin}/vmoduser`, ...vmoduserFlagArgs(to.flags), target]);
    return;
  }
  throw new Error(`a ${from.kind} cannot become a ${to.kind}`);
}

const describe = (target: string, s: ChangeState) =>
  s.kind === 'file' ? target : s.kind === 'dir-mode' ? `the mode of ${target}` : `the flags of ${target}`;

/** Writes the change down, then makes it. */
export async function makeChange(
  side: SourceSide,
  journal: ChangeJournal,
  target: string,
  before: ChangeState,
  after: ChangeState,
): Promise<void> {
  const seq = journal.cutovers.planChange(journal.id, target, before, after);
  journal.noted?.({ seq, target, status: 'planned' });
  await completeChange(side, journal, { seq, target, before, after, status: 'planned' });
}

/** Makes a change written down earlier, unless it is made already. */
export async function completeChange(
  side: SourceSide,
  journal: ChangeJournal,
  change: Change,
): Promise<void> {
  const now = await current(side, change.target, change.before);
  if (!sameState(now, change.after)) {
    if (!sameState(now, change.before))
      throw new ChangedMeanwhileError(
        `${describe(change.target, change.before)} on ${side.remote.label} changed since vmigrate read it; it is left as it is`,
        {
          host: side.remote.label,
          hint: 'look at it, then run the same command again (it reads everything afresh)',
        },
      );
    await put(side, change.target, change.before, change.after);
  }
  journal.cutovers.setChange(journal.id, change.seq, 'applied');
  journal.noted?.({ seq: change.seq, target: change.target, status: 'applied' });
}

export type UndoOutcome = 'restored' | 'already' | 'merged' | 'left';

const linesOf = (b: Buffer) =>
  b
    .toString('latin1')
    .split('\n')
    .filter((l) => l !== '');

/**
 * A control file someone else changed after the cutover, with the cutover's own edit taken
 * back: the lines it added go, the lines it removed come back (at the end), the rest is theirs.
 */
export function mergeBack(before: Buffer, after: Buffer, now: Buffer): Buffer {
  const was = linesOf(before);
  const made = linesOf(after);
  const added = new Set(made.filter((l) => !was.includes(l)));
  const removed = was.filter((l) => !made.includes(l));
  const kept = linesOf(now).filter((l) => !added.has(l));
  const lines = [...kept, ...removed.filter((l) => !kept.includes(l))];
  return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1');
}

/**
 * Takes a change back. A file found as the change left it gets its old bytes, owner and mode
 * back; one changed since by someone else (vpopmail adding another domain) keeps their change:
 * only the lines the cutover removed come back and the lines it added go.
 */
export async function undoChange(
  side: SourceSide,
  journal: ChangeJournal,
  change: Change,
): Promise<UndoOutcome> {
  const now = await current(side, change.target, change.before);
  let outcome: UndoOutcome = 'restored';
  if (sameState(now, change.before)) outcome = 'already';
  else if (sameState(now, change.after)) await put(side, change.target, change.after, change.before);
  else if (
    now.kind === 'file' &&
    change.before.kind === 'file' &&
    change.after.kind === 'file' &&
    now.exists
  ) {
    const content = mergeBack(change.before.content, change.after.content, now.content);
    await put(side, change.target, now, { ...now, content });
    outcome = 'merged';
  } else if (
    now.kind === 'dir-mode' &&
    change.before.kind === 'dir-mode' &&
    change.after.kind === 'dir-mode'
  ) {
    // Only the bits the change flipped (the sticky bit) are flipped back; others' stay.
    const flipped = parseInt(change.before.mode, 8) ^ parseInt(change.after.mode, 8);
    await put(side, change.target, now, {
      kind: 'dir-mode',
      mode: (parseInt(now.mode, 8) ^ flipped).toString(8),
    });
  } else outcome = 'left';
  journal.cutovers.setChange(journal.id, change.seq, 'undone');
  journal.noted?.({ seq: change.seq, target: change.target, status: 'undone' });
  return outcome;
}
