import { describe, expect, it } from 'vitest';
import { parseCatchAll, parseDotQmail, roleOf } from '../../src/vpopmail/dot-qmail.js';
import { parseInventory, passwordScheme } from '../../src/vpopmail/inventory-parse.js';
import { validateDomain, validateUser } from '../../src/vpopmail/names.js';
import { INVENTORY_DIR as D, inventoryScriptOutput as scriptOutput } from '../helpers/inventory-sample.js';

const parse = (text: string) =>
  parseInventory(text, { host: 'old', domain: 'ex.example', vpopmailDir: '/v' });

describe('parseInventory', () => {
  it('reads the domain, users, folders, files and keeps secrets out of JSON', () => {
    const inv = parse(scriptOutput());
    expect(inv).toMatchObject({
      realDomain: 'ex.example',
      dir: D,
      uid: 89,
      gid: 89,
      userCounter: 4,
      aliasDomains: ['ex.net'],
    });
    expect(inv.users.map((u) => [u.name, u.passwordScheme, u.hasClearPassword, u.flags, u.quota])).toEqual([
      ['al', 'md5-crypt', true, 10, '5000S'],
      ['moved', 'sha512-crypt', false, 0, 'NOQUOTA'],
      ['postmaster', 'none', false, 0, ''],
    ]);
    const al = inv.users[0]!;
    expect(al.password.value).toBe('$1$abcdefgh$CSiVTZddYDOMinbJG4io/1');
    expect(al.folders).toEqual([
      { name: '', messages: 4, bytes: 3500 },
      { name: '.Empty', messages: 0, bytes: 0 },
      { name: '.My Stuff', messages: 2, bytes: 20 },
    ]);
    expect(inv.users[1]?.messages).toBe(1);
    expect(al.dotQmail?.lines).toEqual([
      { kind: 'forward', address: 'x@remote.example' },
      { kind: 'maildir', path: `${D}/al/Maildir/` },
    ]);
    expect(al.extra.map((e) => e.path)).toEqual(['vacation']);
    expect(inv.dotQmail.map((d) => [d.name, d.role, d.symlinkTarget])).toEqual([
      ['default', 'catch-all', undefined],
      ['dot.name', 'forward', undefined],
      ['list', 'mailing-list', `${D}/list/editor`],
    ]);
    expect(inv.extra.map((e) => [e.path, e.mode])).toEqual([
      ['list', '0700'],
      ['list/editor', '0600'],
    ]);
    expect(inv.catchAll).toEqual({ kind: 'bounce' });
    expect(inv.totals).toEqual({ users: 3, messages: 7, bytes: 3527 });
    const json = JSON.stringify(inv);
    expect(json).not.toContain('$1$');
    expect(json).not.toContain('clear-1');
  });

  it('refuses an unknown domain (exit 5), a cut output and a malformed user listing', () => {
    let thrown: unknown;
    try {
      parse(scriptOutput({ assignStatus: 1 }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/does not exist on old/);
    expect((thrown as { outcome?: string }).outcome).toBe('unfit');
    expect(() => parse(scriptOutput({ end: false }))).toThrow(/incomplete/);
    const noDirectory = [
      '@@vmigrate-inventory 1',
      '@@assign',
      'ex.com',
      '89',
      '89',
      '/home/vpopmail/domains/ex.com',
      '@@status 0',
      '@@nodir',
      '@@end',
      '',
    ].join('\n');
    expect(() => parse(noDirectory)).toThrow(
      /in qmail's users\/assign, but its directory \/home\/vpopmail\/domains\/ex\.com does not exist/,
    );
    expect(() => parse(scriptOutput({ vuserinfo: ['only', 'seven', 'lines', '1', '0', 'g', '/d'] }))).toThrow(
      /8 lines per user/,
    );
  });

  it('refuses a user listing that failed, was cut off, or lists fewer users than vpasswd holds', () => {
    expect(() => parse(scriptOutput({ vuserinfoStatus: '@@status 255' }))).toThrow(
      'vuserinfo -D ex.example on old failed (exit 255)',
    );
    expect(() => parse(scriptOutput({ vuserinfoStatus: null }))).toThrow(
      'vuserinfo -D ex.example on old was cut off before it finished',
    );
    let thrown: unknown;
    try {
      parse(scriptOutput({ vpasswd: ['long\tlongname\t311', 'users\t4'] }));
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toBe(
      'vpasswd of ex.example on old holds 4 users, but vuserinfo -D lists 3: vpopmail cannot read past a line over 255 bytes, that of longname (311 bytes)',
    );
    expect((thrown as { outcome?: string }).outcome).toBe('unfit');
    expect(() => parse(scriptOutput({ vpasswd: ['users\t2'] }))).toThrow(
      /holds 2 users, but vuserinfo -D lists 3$/,
    );
    // No vpasswd file (another backend): nothing to count against.
    expect(parse(scriptOutput({ vpasswd: [] })).users).toHaveLength(3);
  });

  it("reads a domain's own limits, and refuses them cut off", () => {
    const own = ['own', 'Domain: ex.example', '--', 'Max Pop Accounts: 10', '@@status 0'];
    expect(parse(scriptOutput({ limits: own })).limits).toEqual({
      source: 'domain',
      show: 'Domain: ex.example\n--\nMax Pop Accounts: 10',
    });
    expect(() => parse(scriptOutput({ limits: own.slice(0, 3) }))).toThrow(
      'vmoddomlimits -S ex.example on old did not finish (--)',
    );
  });

  it('names password schemes', () => {
    expect(['', '$1$a$b', '$5$a$b', '$6$a$b', '$2y$10$x', 'abcdefghijklm', 'x'].map(passwordScheme)).toEqual([
      'none',
      'md5-crypt',
      'sha256-crypt',
      'sha512-crypt',
      'bcrypt',
      'des-crypt',
      'other',
    ]);
  });
});

describe('.qmail files', () => {
  it('parses the four kinds of line, quoted and unquoted programs, and blank lines', () => {
    expect(
      parseDotQmail(
        "# note\n\n&a@b.example\nc@d.example\n/x/Maildir/\n./Maildir/\n/x/mbox\n| prog 'a b'\n|prog2\n",
      ),
    ).toEqual([
      { kind: 'comment', text: '# note' },
      { kind: 'forward', address: 'a@b.example' },
      { kind: 'forward', address: 'c@d.example' },
      { kind: 'maildir', path: '/x/Maildir/' },
      { kind: 'maildir', path: './Maildir/' },
      { kind: 'mbox', path: '/x/mbox' },
      { kind: 'program', command: "prog 'a b'" },
      { kind: 'program', command: 'prog2' },
    ]);
  });

  it('tells roles apart', () => {
    const r = (name: string, text: string, link?: string) => roleOf(name, parseDotQmail(text), link);
    expect(r('help', '|/usr/bin/autorespond 10000 5 /d/HELP/message /d/HELP\n&s@x\n')).toBe('autoresponder');
    expect(r('list', "|/usr/local/bin/ezmlm/ezmlm-send '/d/list'\n")).toBe('mailing-list');
    expect(r('list-owner', '', '/d/list/owner')).toBe('mailing-list');
    expect(r('sales', '/d/js/Maildir/\n')).toBe('alias');
    expect(r('info', '&a@x\n&b@x\n')).toBe('forward');
    expect(r('gone', '# retired\n')).toBe('empty');
    expect(r('spam', '|/usr/bin/filter\n')).toBe('program');
  });

  it('reads every catch-all form vadddomain and qmailadmin write', () => {
    expect(parseCatchAll("| /v/bin/vdelivermail '' bounce-no-mailbox\n")).toEqual({ kind: 'bounce' });
    expect(parseCatchAll("| /v/bin/vdelivermail '' delete\n")).toEqual({ kind: 'delete' });
    expect(parseCatchAll("| /v/bin/vdelivermail '' /v/domains/d/support\n")).toEqual({
      kind: 'mailbox',
      path: '/v/domains/d/support',
    });
    expect(parseCatchAll("|/v/bin/vdelivermail '' x@y.example")).toEqual({
      kind: 'forward',
      address: 'x@y.example',
    });
    expect(parseCatchAll('|/usr/bin/maildrop\n').kind).toBe('custom');
    expect(parseCatchAll(undefined).kind).toBe('custom');
  });
});

describe('names at the boundary', () => {
  it('accepts domains and punycode, refuses the rest with a clear message', () => {
    expect(validateDomain('Example.COM.')).toBe('example.com');
    expect(validateDomain('xn--mller-kva.example')).toBe('xn--mller-kva.example');
    expect(() => validateDomain('müller.example')).toThrow(/punycode: use "xn--mller-kva.example"/);
    for (const bad of [
      'example',
      '-a.example',
      'a_b.example',
      'a..example',
      'ex ample.com',
      'a.example;rm',
      `${'a'.repeat(90)}.example`,
    ])
      expect(() => validateDomain(bad), bad).toThrow(/not a valid domain name/);
  });

  it('refuses user names with shell metacharacters', () => {
    expect(validateUser('John.Smith')).toBe('john.smith');
    for (const bad of ['a', 'x;rm -rf', '$(id)', 'a b', "o'neil", 'a|b', '-flag'])
      expect(() => validateUser(bad), bad).toThrow(/not a user name vmigrate can handle/);
  });
});
