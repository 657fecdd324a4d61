import { describe, expect, it } from 'vitest';
import { displayCommand, Secret } from '../../src/remote/quote.js';
import type { Inventory, InventoryUser } from '../../src/vpopmail/inventory-types.js';
import { PathMap } from '../../src/vpopmail/path-map.js';
import { accountSteps, fileSteps } from '../../src/vpopmail/provision-steps.js';
import { aUser, anInventory } from '../helpers/builders.js';

const user = aUser;

function inventory(
  host: string,
  home: string,
  dir: string,
  users: InventoryUser[],
  o: Partial<Inventory> = {},
): Inventory {
  return anInventory({ host, vpopmailDir: home, dir, users, ...o });
}

const SRC_DIR = '/home/vpopmail/domains/ex.com';
const DST_DIR = '/var/vpopmail/domains/ex.com';
const source = inventory('old', '/home/vpopmail', SRC_DIR, [
  user('postmaster', SRC_DIR),
  user('alice', SRC_DIR, {
    clearPassword: new Secret('s3cret'),
    hasClearPassword: true,
    flags: 0x2 | 0x8,
    quota: '',
  }),
  user('bob', SRC_DIR, {
    dotQmail: { content: `&bob@else.example\n${SRC_DIR}/bob/Maildir/\n`, lines: [] },
  }),
]);
const shown = (steps: { argv: Parameters<typeof displayCommand>[0] }[]) =>
  steps.map((s) => displayCommand(s.argv));
const bin = '/var/vpopmail/bin';

/** A destination domain carrying vmigrate's marker (created by a vmigrate run). */
function withMarker(inv: Inventory): Inventory {
  return { ...inv, provisionedBy: 'vmigrate ex.com from old' };
}

describe('accountSteps', () => {
  it('creates the domain, then each user with its own hash, flags, gecos and quota', () => {
    const plan = accountSteps({
      source,
      dest: undefined,
      mode: 'create',
      destBin: bin,
      marker: 'm',
      dummyPassword: () => 'D'.repeat(16),
    });
    expect(shown(plan.steps)).toEqual([
      `${bin}/vadddomain ex.com <redacted>`,
      expect.stringContaining('.vmigrate-origin'),
      // postmaster has no clear password on the source: the placeholder is replaced by a hash-only user.
      `${bin}/vdeluser postmaster@ex.com`,
      `${bin}/vadduser -e <redacted> -c postmaster -q NOQUOTA postmaster@ex.com <redacted>`,
      `${bin}/vadduser -c alice -q 0 alice@ex.com <redacted>`,
      // One vmoduser sets the exact hash and the flags together.
      `${bin}/vmoduser -e <redacted> -x -p -i alice@ex.com`,
      `${bin}/vadduser -e <redacted> -c bob -q NOQUOTA bob@ex.com <redacted>`,
    ]);
    // The real values travel in the argv, never in what is shown.
    const add = plan.steps[3]?.argv ?? [];
    expect(add.map((a) => (a instanceof Secret ? a.value : a))).toContain('$1$salt$postmaster');
  });

  const converge = (dest: Inventory) =>
    accountSteps({ source, dest, mode: 'converge', destBin: bin, marker: 'm', dummyPassword: () => 'x' });

  it('marks a domain an earlier run began creating but stopped before marking', () => {
    const dest = inventory('new', '/var/vpopmail', DST_DIR, [user('postmaster', DST_DIR)]);
    const plan = converge(dest);
    expect(plan.steps[0]?.title).toBe('mark ex.com as created by vmigrate');
    const marked = converge(withMarker(dest));
    expect(marked.steps.map((s) => s.title)).not.toContain('mark ex.com as created by vmigrate');
  });

  it('changes nothing for users that already match, and only what differs otherwise', () => {
    const dest = withMarker(
      inventory('new', '/var/vpopmail', DST_DIR, [
        user('postmaster', DST_DIR),
        user('alice', DST_DIR, {
          clearPassword: new Secret('s3cret'),
          hasClearPassword: true,
          flags: 0xa,
          quota: '',
        }),
        user('bob', DST_DIR, { gecos: 'Robert' }),
        user('zed', DST_DIR),
      ]),
    );
    const plan = converge(dest);
    expect(shown(plan.steps)).toEqual([`${bin}/vmoduser -c bob bob@ex.com`]);
    expect(plan.notes).toEqual(['user zed@ex.com exists only on the destination: left as it is']);
    const merged = accountSteps({
      source,
      dest,
      mode: 'merge',
      destBin: bin,
      marker: 'm',
      dummyPassword: () => 'x',
    });
    expect(merged.steps).toEqual([]);
    expect(merged.notes[0]).toMatch(/bob@ex.com exists on the destination with other settings/);
  });
});

describe('fileSteps', () => {
  const map = new PathMap([
    { from: `${SRC_DIR}/bob`, to: `${DST_DIR}/0/bob`, what: 'user bob' },
    { from: SRC_DIR, to: DST_DIR, what: 'domain' },
    { from: '/home/vpopmail', to: '/var/vpopmail', what: 'home' },
  ]);
  const src = inventory('old', '/home/vpopmail', SRC_DIR, source.users, {
    dotQmail: [
      {
        name: 'sales',
        file: '.qmail-sales',
        role: 'alias',
        symlinkTarget: undefined,
        content: `${SRC_DIR}/bob/Maildir/\n`,
        lines: [],
      },
      {
        name: 'default',
        file: '.qmail-default',
        role: 'catch-all',
        symlinkTarget: undefined,
        content: "| /home/vpopmail/bin/vdelivermail '' bounce-no-mailbox\n",
        lines: [],
      },
      {
        name: 'list',
        file: '.qmail-list',
        role: 'mailing-list',
        symlinkTarget: `${SRC_DIR}/list/editor`,
        content: undefined,
        lines: [],
      },
    ],
    extra: [
      { type: 'd', mode: '0700', uid: 89, gid: 89, size: 4096, mtime: 1, path: 'list' },
      {
        type: 'f',
        mode: '0600',
        uid: 89,
        gid: 89,
        size: 40,
        mtime: 2,
        path: 'list/editor',
        content: `|/usr/bin/ezmlm-send '${SRC_DIR}/list'\n`,
      },
      { type: 'f', mode: '0600', uid: 89, gid: 89, size: 9, mtime: 3, path: 'list/num' },
    ],
  });
  const fresh = inventory(
    'new',
    '/var/vpopmail',
    DST_DIR,
    [user('postmaster', DST_DIR), user('alice', DST_DIR), user('bob', `${DST_DIR}/0`)],
    {
      uid: 1089,
      gid: 1090,
      dotQmail: [
        {
          name: 'default',
          file: '.qmail-default',
          role: 'catch-all',
          symlinkTarget: undefined,
          content: "| /var/vpopmail/bin/vdelivermail '' bounce-no-mailbox\n",
          lines: [],
        },
      ],
    },
  );

  it('copies trees, writes rewritten files as the destination owner, catch-all last', () => {
    const plan = fileSteps({ source: src, dest: fresh, mode: 'create', destBin: bin, map });
    expect(plan.relays).toEqual([
      {
        title: 'copy 2 file(s) of ex.com',
        sourceBase: SRC_DIR,
        destBase: DST_DIR,
        members: ['list', 'list/num'],
      },
    ]);
    const texts = plan.steps.map((s) => s.argv.map((a) => (a instanceof Secret ? a.value : a)));
    expect(texts.map((t) => t[4])).toEqual([
      `${DST_DIR}/list/editor`,
      `${DST_DIR}/0/bob/.qmail`,
      `${DST_DIR}/.qmail-sales`,
      `${DST_DIR}/.qmail-list`,
    ]);
    expect(texts[0]?.slice(5)).toEqual([
      `|/usr/bin/ezmlm-send '${DST_DIR}/list'\n`,
      '1089:1090',
      '0600',
      '2',
    ]);
    expect(texts[1]?.[5]).toBe(`&bob@else.example\n${DST_DIR}/0/bob/Maildir/\n`);
    expect(texts[3]?.[5]).toBe(`${DST_DIR}/list/editor`);
    expect(texts[2]?.[5]).toBe(`${DST_DIR}/0/bob/Maildir/\n`);
  });

  it('gives no steps for a destination that already matches', () => {
    const done = {
      ...fresh,
      dotQmail: src.dotQmail.map((q) => ({
        ...q,
        content: q.content && map.rewrite(q.content),
        symlinkTarget: q.symlinkTarget && map.rewrite(q.symlinkTarget),
      })),
      extra: src.extra.map((e) => ({ ...e, content: e.content && map.rewrite(e.content) })),
      users: fresh.users.map((u) =>
        u.name === 'bob'
          ? { ...u, dotQmail: { content: map.rewrite(source.users[2]?.dotQmail?.content ?? ''), lines: [] } }
          : u,
      ),
    };
    const plan = fileSteps({ source: src, dest: done, mode: 'converge', destBin: bin, map });
    expect(plan.steps).toEqual([]);
    expect(plan.relays).toEqual([]);
  });
});
