/**
 * The system inventory of the lab's system.example (output captured from the script on a lab
 * host) read and turned into the vpopmail domain it becomes: who is a mail user, whose mail
 * comes from where, what each .qmail becomes, and what is named as not carried.
 */
import { describe, expect, it } from 'vitest';
import { convertSystemDomain } from '../../src/system/convert.js';
import { defaultDeliveryOf, parseSystemInventory } from '../../src/system/inventory-parse.js';
import { parseUserList, systemScopeOf } from '../../src/migration/system-source.js';
import { UsageError } from '../../src/errors.js';
import { PREFIX_INVENTORY_OUTPUT, SYSTEM_INVENTORY_OUTPUT } from '../helpers/system-inventory-sample.js';
import { dotQmailFor } from '../../src/system/convert.js';

const inv = parseSystemInventory(SYSTEM_INVENTORY_OUTPUT, 'old', 'system.example');

describe('system inventory', () => {
  it('reads the accounts qmail delivers to, with their schemes, and the ones it does not', () => {
    expect(inv.locals).toBe(true);
    expect(inv.defaultDelivery).toBe('./Maildir/\n');
    expect(inv.users.map((u) => [u.name, u.passwordScheme])).toEqual([
      ['sysann', 'sha512-crypt'],
      ['sysbob', 'md5-crypt'],
      ['syscarl', 'sha256-crypt'],
      ['sysdora', 'yescrypt'],
      ['sysed', 'other'],
      ['sysfred', 'sha512-crypt'],
    ]);
    expect(inv.notMailUsers.map((n) => n.name)).toEqual(['sysgus']);
    expect(inv.notMailUsers[0]?.why).toMatch(/belongs to uid 0/);
    expect(String(inv.users[0]?.password)).toBe('<redacted>');
    const ann = inv.users.find((u) => u.name === 'sysann');
    expect(ann?.stores).toEqual([
      {
        kind: 'maildir',
        path: './Maildir/',
        folders: [
          { name: '', messages: 2, bytes: 50 },
          { name: '.Lists', messages: 1, bytes: 32 },
          { name: '.Sent', messages: 1, bytes: 27 },
        ],
        messages: 4,
        bytes: 109,
      },
    ]);
    // /var/mail and /var/spool/mail are one directory: one mbox, under the name .qmail uses.
    const carl = inv.users.find((u) => u.name === 'syscarl')?.stores ?? [];
    expect(carl.map((s) => [s.kind, s.path, s.bytes])).toEqual([['mbox', '/var/spool/mail/syscarl', 80]]);
    expect(inv.aliases.map((a) => a.ext)).toEqual(['info', 'mailer-daemon', 'postmaster']);
  });

  it('takes the default delivery from control/defaultdelivery, from rc, or qmail’s own', () => {
    expect(defaultDeliveryOf('./Maildir/\n', undefined)).toBe('./Maildir/\n');
    expect(
      defaultDeliveryOf(
        undefined,
        'exec env - PATH="/var/qmail/bin:$PATH" qmail-start ./Mailbox splogger qmail\n',
      ),
    ).toBe('./Mailbox\n');
    expect(
      defaultDeliveryOf('./Maildir/\n', 'qmail-start "`cat /var/qmail/control/defaultdelivery`"\n'),
    ).toBe('./Maildir/\n');
    expect(defaultDeliveryOf(undefined, '#!/bin/sh\n')).toBe('./Mailbox\n');
  });

  it('tells mboxcl2 from mboxrd by its Content-Length headers, and counts its From lines', () => {
    const mbox = (counts: string) =>
      parseSystemInventory(
        SYSTEM_INVENTORY_OUTPUT.replace(
          /^@@mbox \.\/Mailbox\t(.*)\t3\t0\t3$/m,
          `@@mbox ./Mailbox\t$1\t${counts}`,
        ),
        'old',
        'system.example',
      ).users.find((u) => u.name === 'sysbob')?.stores[0];
    expect(mbox('3\t0\t3')).toMatchObject({ format: 'mboxrd', fromLines: 3 });
    expect(mbox('4\t3\t0')).toMatchObject({ format: 'mboxrd', fromLines: 4 });
    expect(mbox('5\t5\t0')).toMatchObject({ format: 'mboxcl2', fromLines: 5 });
  });

  it('refuses output that ended early', () => {
    expect(() =>
      parseSystemInventory(SYSTEM_INVENTORY_OUTPUT.replace('@@end', ''), 'old', 'system.example'),
    ).toThrow(/ended early/);
  });
});

describe('a system domain as a vpopmail domain', () => {
  const c = convertSystemDomain(inv);
  const user = (name: string) => c.inventory.users.find((u) => u.name === name);

  it('moves each user’s mail from the store its delivery names', () => {
    expect(c.mail).toEqual([
      { user: 'sysann', maildir: '/home/sysann/Maildir' },
      { user: 'sysbob', mbox: '/home/sysbob/Mailbox' },
      { user: 'syscarl', mbox: '/var/spool/mail/syscarl' },
      { user: 'sysdora', maildir: '/home/sysdora/Maildir' },
      { user: 'sysed', maildir: '/home/sysed/Maildir' },
      { user: 'sysfred', maildir: '/home/sysfred/Maildir' },
      { user: 'shared', maildir: '/home/sysshared/Maildir' },
    ]);
  });

  it('keeps hashes, gecos and forwards; a .qmail that only delivers to the mailbox is not kept', () => {
    expect(user('sysann')?.password.value).toMatch(/^\$6\$annsalt1\$/);
    expect(user('sysann')?.gecos).toBe('Ann Example');
    expect(user('sysann')?.dotQmail).toBeUndefined();
    expect(user('sysdora')?.dotQmail?.content).toBe('&dora@elsewhere.example\n/home/sysdora/Maildir/\n');
    expect(user('syscarl')?.dotQmail?.content).toBe('/home/syscarl/Maildir/\n&sysann@system.example\n');
    expect(user('sysbob')?.dotQmail).toBeUndefined();
    expect(user('sysfred')?.dotQmail).toBeUndefined();
  });

  it('turns extensions and ~alias files into the domain’s .qmail files, bare local names qualified', () => {
    expect(c.inventory.dotQmail.map((d) => [d.file, d.content])).toEqual([
      ['.qmail-info', '&sysbob@system.example\n'],
      ['.qmail-mailer-daemon', '&sysann@system.example\n'],
      ['.qmail-postmaster', '&sysann@system.example\n'],
      // users/assign =sales: fred's .qmail-sales, which also answers sysfred-sales.
      ['.qmail-sales', '&sysann@system.example\n/home/sysfred/Maildir/.Sales/\n'],
      ['.qmail-sysann-lists', '/home/sysann/Maildir/.Lists/\n'],
      ['.qmail-sysfred-sales', '&sysann@system.example\n/home/sysfred/Maildir/.Sales/\n'],
    ]);
    expect(c.notes).toContain(
      '~alias/.qmail-postmaster: the forward to sysann now names sysann@system.example',
    );
  });

  it('says which mboxes become Maildirs, in which format, with how many messages', () => {
    expect(c.notes).toContain(
      'sysbob: the mbox /home/sysbob/Mailbox (mboxrd, as qmail writes it, 3 message(s), 11141432 bytes) becomes its Maildir in the transfer',
    );
    expect(user('sysbob')?.mbox).toBe('/home/sysbob/Mailbox');
    expect(user('syscarl')?.mbox).toBe('/var/spool/mail/syscarl');
    expect(user('sysann')?.mbox).toBeUndefined();
  });

  it('names what it does not carry', () => {
    expect(c.notCarried.map((n) => n.what)).toEqual([
      'account sysgus',
      "sysfred's .qmail: |/usr/local/bin/myfilter --user fred",
      "shared's password",
    ]);
    expect(c.notCarried[0]?.why).toMatch(/belongs to uid 0/);
    expect(c.notCarried[1]?.why).toMatch(/ran as the Unix user/);
    expect(c.notCarried[2]?.why).toMatch(/which no account logs into: the user is created locked/);
  });

  it('makes a mailbox nobody logs into (users/assign into another directory) a locked user', () => {
    expect(c.loginless).toEqual(['shared']);
    expect(user('shared')).toMatchObject({
      dir: '/home/sysshared',
      passwordScheme: 'locked',
      messages: 2,
      dotQmail: undefined,
    });
    expect(user('shared')?.password.value).toBe('!');
  });

  it('takes the quota of the Maildir++ definition, else the disk quota of where the mail lies', () => {
    expect(user('sysann')?.quota).toBe('52428800S,5000C');
    expect(user('sysdora')?.quota).toBe('NOQUOTA');
    expect(c.notes).toContain(
      'old has no quota(1): Unix disk quotas were not read (a user without a Maildir++ quota gets none)',
    );
    // `quota -w -v -p` lines as the script passes them on (a home's, a spool's): KiB limits.
    const withDisk = convertSystemDomain(
      parseSystemInventory(
        SYSTEM_INVENTORY_OUTPUT.replace('quota-tool 0', 'quota-tool 1')
          .replace(
            '@@user sysdora\n',
            '@@user sysdora\n@@diskquota /home/sysdora\t/dev/sda3\t24\t100000\t120000\n',
          )
          .replace(
            '@@user syscarl\n',
            '@@user syscarl\n@@diskquota /home/syscarl\t/dev/sda3\t8\t0\t0\n@@diskquota /var/spool/mail/syscarl\t/dev/sda2\t4\t2048\t0\n',
          ),
        'old',
        'system.example',
      ),
    );
    const q = (name: string) => withDisk.inventory.users.find((u) => u.name === name)?.quota;
    expect(q('sysdora')).toBe(`${120000 * 1024}S`);
    // The spool's file system holds carl's mbox: its soft limit, the only one set.
    expect(q('syscarl')).toBe(`${2048 * 1024}S`);
    expect(q('sysann')).toBe('52428800S,5000C');
    expect(withDisk.notes).toContain(
      `sysdora: its disk quota on /dev/sda3 (hard limit 120000 KiB, which counted all its files there) becomes its mailbox quota, ${120000 * 1024}S`,
    );
  });
});

describe('how qmail routes the domain', () => {
  const variant = (edit: (text: string) => string) =>
    convertSystemDomain(parseSystemInventory(edit(SYSTEM_INVENTORY_OUTPUT), 'old', 'system.example'));

  it('moves a domain of control/locals only: a virtual domain, or one qmail does not deliver, is a problem', () => {
    expect(convertSystemDomain(inv).problems).toEqual([]);
    const virtual = variant((t) => t.replace('locals 1', 'locals 0\nvirtualdomain joe'));
    expect(virtual.problems).toEqual([
      'the source did not say whom control/virtualdomains hands system.example to',
    ]);
    expect(variant((t) => t.replace('locals 1', 'locals 0')).problems).toEqual([
      expect.stringContaining('neither in control/locals nor in control/virtualdomains'),
    ]);
    expect(variant((t) => t.replace('locals 1', 'locals 1\nvirtualdomain joe')).notes).toContain(
      'system.example is in control/locals, which qmail reads before its control/virtualdomains line',
    );
  });

  it('reads users/assign: another address of an account becomes an alias, anything else is named', () => {
    const c = variant((t) =>
      t.replace(
        '@@assign\n',
        [
          '@@assign',
          '=sysann:sysann:5001:5001:/home/sysann:::',
          '=ann.example:sysann:5001:5001:/home/sysann:::',
          '=bob-lists:sysbob:5002:5002:/home/sysbob:-:lists:',
          '=sysbob:sysbob:5002:5002:/srv/mail/sysbob:::',
          '=daemon:daemon:1:1:/usr/sbin:::',
          '',
        ].join('\n'),
      ),
    );
    expect(c.inventory.dotQmail.find((d) => d.name === 'ann.example')?.content).toBe(
      '&sysann@system.example\n',
    );
    expect(c.inventory.dotQmail.find((d) => d.name === 'ann.example')?.file).toBe('.qmail-ann:example');
    expect(c.notCarried.map((n) => n.what)).toEqual(
      expect.arrayContaining([
        'users/assign =bob-lists:sysbob:5002:5002:/home/sysbob:-:lists:',
        'users/assign =sysbob:sysbob:5002:5002:/srv/mail/sysbob:::',
        'users/assign =daemon:daemon:1:1:/usr/sbin:::',
      ]),
    );
    expect(c.notCarried.map((n) => n.what)).not.toContain(
      'users/assign =sysann:sysann:5001:5001:/home/sysann:::',
    );
  });
});

describe('a domain control/virtualdomains hands to a prefix', () => {
  const pinv = parseSystemInventory(PREFIX_INVENTORY_OUTPUT, 'old', 'prefix.example');
  const p = convertSystemDomain(pinv);

  it('reads whom qmail-getpw hands the prefix to, and where bare names go', () => {
    expect(pinv.virtualDomain).toBe('sysvirt-px');
    expect(pinv.prefixOwner).toEqual({ user: 'sysvirt', home: '/home/sysvirt', extPrefix: '-px' });
    expect(pinv.envnoathost).toBe('old.lab.example');
    expect(p.problems).toEqual([]);
  });

  it('makes each .qmail-px-<address> an address: forwards an alias, a Maildir a locked mailbox', () => {
    expect(p.inventory.dotQmail.map((d) => [d.file, d.content])).toEqual([
      ['.qmail-info', '&sysann@system.example\n&joe@old.lab.example\n'],
    ]);
    expect(p.inventory.users.map((u) => [u.name, u.dir, u.passwordScheme, u.messages])).toEqual([
      ['box', '/home/sysvirt/box', 'locked', 1],
      // .qmail-px-default: every other address, into sysvirt's own Maildir.
      ['sysvirt', '/home/sysvirt', 'locked', 1],
    ]);
    expect(p.mail).toEqual([
      { user: 'box', maildir: '/home/sysvirt/box/Maildir' },
      { user: 'sysvirt', maildir: '/home/sysvirt/Maildir' },
    ]);
    expect(p.catchAll).toEqual({ kind: 'mailbox', user: 'sysvirt' });
    // The uid range's accounts are not the domain's: none of them is a user, none is named.
    expect(p.notCarried.map((n) => n.what)).toEqual([
      "box's password",
      '/home/sysvirt/.qmail-px-run: |/usr/bin/true',
      "sysvirt's password",
    ]);
    expect(p.notes).toContain(
      '/home/sysvirt/.qmail-px-default: every other address of prefix.example is delivered to the mailbox sysvirt@prefix.example, as on the source',
    );
  });

  it('makes a catch-all of one forward its target, and names one that runs a program', () => {
    const withDefault = (hex: string) =>
      convertSystemDomain(
        parseSystemInventory(
          PREFIX_INVENTORY_OUTPUT.replace(/@@file \.qmail-px-default \S+/, `@@file .qmail-px-default ${hex}`),
          'old',
          'prefix.example',
        ),
      );
    const hex = (t: string) => Buffer.from(t).toString('hex');
    expect(withDefault(hex('&owner@example.org\n')).catchAll).toEqual({
      kind: 'forward',
      address: 'owner@example.org',
    });
    const program = withDefault(hex('|/usr/bin/procmail\n'));
    expect(program.catchAll).toBeUndefined();
    expect(program.notCarried.map((n) => n.what)).toContain('/home/sysvirt/.qmail-px-default');
  });

  it('finds the file qmail-local reads for an extension, defaults included', () => {
    const files = parseSystemInventory(PREFIX_INVENTORY_OUTPUT, 'old', 'prefix.example').otherHomes.find(
      (h) => h.home === '/home/sysvirt',
    )!.dotQmail;
    expect(dotQmailFor(files, 'px-info')?.file).toBe('.qmail-px-info');
    expect(dotQmailFor(files, 'px-nobody')?.file).toBe('.qmail-px-default');
    expect(dotQmailFor(files, 'PX-Box')?.file).toBe('.qmail-px-box');
    expect(dotQmailFor(files, 'other')).toBeUndefined();
    expect(dotQmailFor(files, '')).toBeUndefined();
  });
});

describe('--users and --uid-min', () => {
  it('reads a list of accounts, naming every bad or repeated line', () => {
    expect(parseUserList('# staff\nann\n\nbob  # the boss\n', 'u.txt')).toEqual(['ann', 'bob']);
    expect(() => parseUserList('ann\nBad Name\nann\n$(id)\n', 'u.txt')).toThrow(
      [
        'u.txt has 3 problem(s):',
        '  u.txt:2: "Bad Name" is not an account name',
        '  u.txt:3: ann is listed again (first on line 1)',
        '  u.txt:4: "$(id)" is not an account name',
      ].join('\n'),
    );
    expect(() => parseUserList('# nobody\n', 'u.txt')).toThrow(/names no account/);
  });

  it('takes --uid-min and --users only with --from-system, and not both', async () => {
    await expect(systemScopeOf({ fromSystem: false, uidMin: 1000 })).rejects.toThrow(UsageError);
    await expect(systemScopeOf({ fromSystem: true, uidMin: 1000, usersFile: 'x' })).rejects.toThrow(
      /not both/,
    );
    await expect(systemScopeOf({ fromSystem: true, usersFile: '/nonexistent/u.txt' })).rejects.toThrow(
      /cannot read \/nonexistent\/u\.txt/,
    );
    expect(await systemScopeOf({ fromSystem: true, uidMin: 1000 })).toEqual({ uidMin: 1000 });
    expect(await systemScopeOf({ fromSystem: false })).toBeUndefined();
  });
});
