/**
 * A sync once users work on the destination: the destination wins. The whole matrix of one
 * message changed on the source (unchanged, new, flags, moved, deleted) and on the destination
 * (the same five), and a property test over random interleavings of changes on both sides,
 * syncs and cut streams: no message lost, none twice in a folder, no destination change undone.
 *
 * The model applies a delta the way syncMailbox does, and keeps the ledger the way its events
 * do: a copy is recorded before it is sent and confirmed once its stream ended, a rename (or a
 * recorded copy found arrived) updates the record, a deletion forgets it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageIdentity, messageKey, planDelta, type WrittenMessage } from '../../src/maildir/delta.js';
import type { MaildirEntry } from '../../src/maildir/listing.js';

const DIRS = ['Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp'].concat(
  ...['.Trash', '.Archive'].map((f) => [`Maildir/${f}`, `Maildir/${f}/cur`, `Maildir/${f}/new`]),
);
const dir = (path: string): MaildirEntry => ({ path, type: 'd', size: 4096, mtime: 1, mode: '700' });
const msg = (path: string, size = 100): MaildirEntry => ({ path, type: 'f', size, mtime: 1, mode: '600' });

type Side = Map<string, MaildirEntry>;
type Ledger = Map<string, WrittenMessage>;

const side = (...paths: string[]): Side =>
  new Map([...DIRS.map(dir), ...paths.map((p) => msg(p))].map((e) => [e.path, e]));
const identity = (path: string) => messageIdentity(messageKey(path)!);
const uniqueOf = (path: string) => messageKey(path)?.unique;
const pathsOf = (s: Side, unique: string) =>
  [...s.values()]
    .filter((e) => e.type === 'f' && uniqueOf(e.path) === unique)
    .map((e) => e.path)
    .sort();

/** One sync pass; `cut`: every stream dies before its end (nothing arrives, nothing is confirmed). */
function sync(source: Side, dest: Side, ledger: Ledger, o: { deleteCopied?: boolean; cut?: boolean } = {}) {
  const delta = planDelta([...source.values()], [...dest.values()], {
    written: ledger,
    deleteCopied: o.deleteCopied ?? false,
  });
  for (const p of delta.arrived)
    ledger.set(identity(p), { path: p, size: dest.get(p)!.size, confirmed: true });
  for (const [was, now] of delta.renames) {
    const e = dest.get(was)!;
    dest.delete(was);
    dest.set(now, { ...e, path: now });
    const w = ledger.get(identity(now));
    if (w) ledger.set(identity(now), { ...w, path: now, confirmed: true });
  }
  for (const p of delta.deletes) {
    dest.delete(p);
    ledger.delete(identity(p));
  }
  for (const p of delta.copy) {
    const e = source.get(p)!;
    if (e.type === 'f' && messageKey(p)) ledger.set(identity(p), { path: p, size: e.size, confirmed: false });
  }
  if (!o.cut)
    for (const p of delta.copy) {
      dest.set(p, { ...source.get(p)! });
      const w = ledger.get(identity(p));
      if (w) ledger.set(identity(p), { ...w, confirmed: true });
    }
  return delta;
}

const SOURCE_CHANGES = ['unchanged', 'new', 'flags', 'moved', 'deleted'] as const;
const DEST_CHANGES = ['unchanged', 'new', 'flags', 'moved', 'deleted'] as const;
type Change = (typeof SOURCE_CHANGES)[number];

const FIRST = 'Maildir/new/1.u';
const ON_SOURCE: Record<Change, string[]> = {
  unchanged: [FIRST],
  new: [FIRST],
  flags: ['Maildir/cur/1.u:2,S'],
  moved: ['Maildir/.Trash/cur/1.u:2,S'],
  deleted: [],
};
const BY_USER: Record<Change, string[]> = {
  unchanged: [FIRST],
  new: [FIRST],
  flags: ['Maildir/cur/1.u:2,RS'],
  moved: ['Maildir/.Archive/cur/1.u:2,S'],
  deleted: [],
};

function change(s: Side, c: Change, to: string[], fresh: string) {
  if (c === 'unchanged') return;
  if (c === 'new') return void s.set(fresh, msg(fresh));
  s.delete(FIRST);
  for (const p of to) s.set(p, msg(p));
}

describe('a sync once users work on the destination', () => {
  for (const src of SOURCE_CHANGES)
    for (const dst of DEST_CHANGES)
      it(`source ${src}, destination ${dst}`, () => {
        const source = side(FIRST);
        const dest = side();
        const ledger: Ledger = new Map();
        sync(source, dest, ledger);
        expect(pathsOf(dest, '1.u')).toEqual([FIRST]);
        change(source, src, ON_SOURCE[src], 'Maildir/new/2.u');
        change(dest, dst, BY_USER[dst], 'Maildir/new/9.delivered-on-new');
        const delta = sync(source, dest, ledger, { deleteCopied: true });

        const userChanged = dst !== 'unchanged' && dst !== 'new';
        const sourceChanged = src !== 'unchanged' && src !== 'new';
        // The destination wins whenever a user changed the message there.
        expect(pathsOf(dest, '1.u')).toEqual(userChanged ? BY_USER[dst] : ON_SOURCE[src]);
        // New mail of either side is never lost.
        if (src === 'new') expect(dest.has('Maildir/new/2.u')).toBe(true);
        if (dst === 'new') expect(dest.has('Maildir/new/9.delivered-on-new')).toBe(true);
        // A change on both sides that the destination keeps is reported; nothing else is.
        const reported = userChanged && sourceChanged && !(src === 'deleted' && dst !== 'flags');
        expect(delta.kept.length > 0, JSON.stringify(delta.kept)).toBe(reported);
        // And a second pass changes nothing.
        const again = sync(source, dest, ledger, { deleteCopied: true });
        expect([again.copy, again.renames, again.deletes]).toEqual([[], [], []]);
      });

  it('sends again what a cut stream never delivered (recorded, not confirmed)', () => {
    const source = side(FIRST, 'Maildir/cur/3.u:2,S');
    const dest = side();
    const ledger: Ledger = new Map();
    sync(source, dest, ledger, { cut: true });
    expect(pathsOf(dest, '1.u')).toEqual([]);
    expect(ledger.get(identity(FIRST))?.confirmed).toBe(false);
    sync(source, dest, ledger);
    expect(pathsOf(dest, '1.u')).toEqual([FIRST]);
    expect(pathsOf(dest, '3.u')).toEqual(['Maildir/cur/3.u:2,S']);
  });

  it('treats records of an older vmigrate (no path) as it always did: the source wins', () => {
    const source = side('Maildir/cur/1.u:2,S');
    const dest = side('Maildir/cur/1.u:2,RS');
    const ledger: Ledger = new Map([
      [identity(FIRST), { path: undefined, size: undefined, confirmed: true }],
    ]);
    const delta = sync(source, dest, ledger);
    expect(delta.renames).toEqual([['Maildir/cur/1.u:2,RS', 'Maildir/cur/1.u:2,S']]);
  });
});

/** One step of the property test. */
type Step =
  | { on: 'source' | 'dest'; op: 'deliver' | 'flag' | 'move' | 'delete'; n: number; folder: number }
  | { on: 'sync'; deleteCopied: boolean; cut: boolean };

const FOLDERS = ['Maildir', 'Maildir/.Trash', 'Maildir/.Archive'];

describe('random interleavings of changes on both sides and syncs', () => {
  it('never lose a message, never hold one twice in a folder, never undo a destination change', () => {
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        on: fc.constantFrom('source' as const, 'dest' as const),
        op: fc.constantFrom('deliver' as const, 'flag' as const, 'move' as const, 'delete' as const),
        n: fc.nat(5),
        folder: fc.nat(2),
      }),
      fc.record({ on: fc.constant('sync' as const), deleteCopied: fc.boolean(), cut: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const source = side();
        const dest = side();
        const ledger: Ledger = new Map();
        /** What a user left on the destination, by identity (null: moved away or deleted): it must stay so. */
        const byUser = new Map<string, string | null>();
        /** Unique names a user touched on the destination, in any folder. */
        const touchedUniques = new Set<string>();
        let delivered = 0;
        /** Applies a change; returns the path it changed and the path that came of it (undefined: none). */
        const apply = (
          s: Side,
          st: Extract<Step, { op: string }>,
          prefix: string,
        ): [string | undefined, string | undefined] | undefined => {
          const mine = [...s.values()].filter((e) => e.type === 'f' && messageKey(e.path)).map((e) => e.path);
          const pick = mine.length > 0 ? mine[st.n % mine.length] : undefined;
          const unique = pick ? uniqueOf(pick)! : '';
          if (st.op === 'deliver') {
            const p = `${FOLDERS[st.folder]}/new/${prefix}${delivered++}`;
            s.set(p, msg(p, 50 + delivered));
            return [undefined, p];
          }
          if (!pick) return undefined;
          const e = s.get(pick)!;
          s.delete(pick);
          if (st.op === 'flag') {
            const flags = pick.includes(':2,S') ? ':2,RS' : ':2,S';
            const p = `${pick.slice(0, pick.lastIndexOf('/') - 4)}/cur/${unique}${flags}`;
            s.set(p, { ...e, path: p });
            return [pick, p];
          }
          if (st.op === 'move') {
            const p = `${FOLDERS[st.folder]}/cur/${pick.slice(pick.lastIndexOf('/') + 1)}`;
            if (pathsOf(s, unique).some((x) => messageKey(x)!.folder === FOLDERS[st.folder])) {
              s.set(pick, e);
              return undefined;
            }
            s.set(p, { ...e, path: p });
            return [pick, p];
          }
          return [pick, undefined];
        };
        for (const st of steps) {
          if (st.on === 'sync') {
            sync(source, dest, ledger, st);
            // No message held twice in one folder of the destination.
            for (const f of FOLDERS) {
              const names = [...dest.keys()]
                .filter((p) => messageKey(p)?.folder === f)
                .map((p) => uniqueOf(p));
              expect(new Set(names).size).toBe(names.length);
            }
            // No destination change undone.
            for (const [id, path] of byUser) {
              const now = [...dest.keys()].filter((p) => messageKey(p) && identity(p) === id);
              expect(now, id).toEqual(path === null ? [] : [path]);
            }
            // No message lost: after a complete pass, what a user never touched is where the source has it.
            if (!st.cut)
              for (const e of source.values()) {
                const unique = uniqueOf(e.path);
                if (unique && !touchedUniques.has(unique)) expect(dest.has(e.path), e.path).toBe(true);
              }
          } else if (st.on === 'source') apply(source, st, 's');
          else {
            const change = apply(dest, st, 'd');
            if (!change) continue;
            const [was, now] = change;
            for (const p of [was, now]) if (p) touchedUniques.add(uniqueOf(p)!);
            if (was && (!now || identity(now) !== identity(was))) byUser.set(identity(was), null);
            if (now) byUser.set(identity(now), now);
            // Changed back to exactly what vmigrate wrote, a message is as if never touched: a
            // sync tells a user's change only by a difference.
            for (const p of [was, now]) {
              if (!p) continue;
              const id = identity(p);
              const w = ledger.get(id);
              const there = [...dest.keys()].filter((x) => messageKey(x) && identity(x) === id);
              if (w?.path !== undefined && there.length === 1 && there[0] === w.path) byUser.delete(id);
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('IMAP and POP state files once the destination’s server works on them', () => {
  const UIDS = 'Maildir/courierimapuiddb';
  const file = (size: number, mtime: number): MaildirEntry => ({
    path: UIDS,
    type: 'f',
    size,
    mtime,
    mode: '644',
  });
  const written = (size: number, mtime: number, confirmed = true) =>
    new Map([[UIDS, { size, mtime, confirmed }]]);
  const plan = (src: MaildirEntry[], dst: MaildirEntry[], w?: ReturnType<typeof written>) =>
    planDelta([...DIRS.map(dir), ...src], [...DIRS.map(dir), ...dst], { writtenFiles: w });

  it('sends the source’s file over one still as vmigrate wrote it', () => {
    const d = plan([file(120, 20)], [file(100, 10)], written(100, 10));
    expect(d.copy).toContain(UIDS);
    expect(d.kept).toEqual([]);
  });

  it('keeps a file the destination’s server changed, and reports it when the source changed it too', () => {
    const serverOnly = plan([file(100, 10)], [file(140, 30)], written(100, 10));
    expect(serverOnly.copy).not.toContain(UIDS);
    expect(serverOnly.kept).toEqual([]);
    const both = plan([file(120, 20)], [file(140, 30)], written(100, 10));
    expect(both.copy).not.toContain(UIDS);
    expect(both.kept).toEqual([
      { path: UIDS, why: expect.stringMatching(/changed on both sides/) as string },
    ]);
  });

  it('does not bring back a file removed on the destination, and sends one a cut stream never delivered', () => {
    expect(plan([file(120, 20)], [], written(100, 10)).copy).not.toContain(UIDS);
    expect(plan([file(100, 10)], [], written(100, 10, false)).copy).toContain(UIDS);
  });

  it('without a record (an older store, or never copied) sends the source’s file when they differ, as before', () => {
    expect(plan([file(120, 20)], [file(140, 30)]).copy).toContain(UIDS);
    expect(plan([file(120, 20)], [file(120, 20)]).copy).not.toContain(UIDS);
  });
});
