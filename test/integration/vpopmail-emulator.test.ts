/**
 * The lab's vpopmail against what a real 5.4.33 build printed and wrote (the outputs file
 * the spec cites as RIG §N). Runs on `new`, reached over SSH like a real server, whose home
 * and uid/gid differ from the recording's: paths and ids are substituted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailHost, type LabMailHost } from '../helpers/vpopmail.js';

let h: LabMailHost;
let D: string; // the domains directory
const HASH = '$1$abcdefgh$CSiVTZddYDOMinbJG4io/1';
const SHA =
  '$6$saltsalt$uaQDPpNNmpqQqJ6NPTrhPhecelxJnfkYy3xGzbwpPmNcWNMBXnFVaqXW01bxhKcx6FdLrrY9EcKr6IS/gAfGN.';
const ASCTIME = /^(account created|last auth): \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

/** The all-fields block with the two date lines checked for shape and then dropped. */
function block(text: string): string[] {
  const lines = text.trimEnd().split('\n');
  for (const l of lines.filter((x) => x.startsWith('account created'))) expect(l).toMatch(ASCTIME);
  return lines.filter((l) => !l.startsWith('account created'));
}

beforeAll(async () => {
  h = await mailHost('new');
  D = `${h.home}/domains`;
  // The paths below are those of a vpopmail home that never held 100 domains. vpopmail never
  // moves its domain counter back after a deletion (spec 4.2), so once another test file has
  // moved the 102 fixture domains here, new domains go to domains/0/. The counter is set aside
  // for this file and put back after it.
  await h.sh(`[ ! -e ${D}/.dir-control ] || mv ${D}/.dir-control ${h.home}/.dir-control.aside`);
});

afterAll(async () => {
  for (const d of ['test.example', 'catch1.example', 'catch2.example', 'randpw.example', 'bulk.example'])
    await h.vp('vdeldomain', '-f', d);
  await h.sh(`[ ! -e ${h.home}/.dir-control.aside ] || mv -f ${h.home}/.dir-control.aside ${D}/.dir-control`);
  await h.close();
});

describe('vpopmail emulator: usage and option errors (RIG §1)', () => {
  it('prints usage texts with the recorded exit statuses', async () => {
    const add = await h.vp('vadddomain');
    expect(add.code).toBe(0);
    expect(add.stdout.split('\n')[0]).toBe(
      'vadddomain: usage: vadddomain [options] virtual_domain [postmaster password]',
    );
    expect((await h.vp('vadduser')).code).toBe(255);
    expect((await h.vp('vdeldomain')).code).toBe(0);
    const valias = await h.vp('valias');
    expect(valias.code).toBe(255);
    expect(valias.stderr).toBe('must supply alias email address\n');
    const vh = await h.vp('valias', '-h');
    expect(vh.code).toBe(254);
    expect(vh.stderr).toBe("valias: invalid option -- 'h'\n");
    const dh = await h.vp('vdominfo', '-h');
    expect(dh.code).toBe(255);
    expect(dh.stdout.split('\n')[0]).toBe('vdominfo: usage: [options] [domain]');
    expect((await h.vp('vmoduser', '-h')).code).toBe(0);
    const dm = await h.vp('vdelivermail');
    expect([dm.stdout, dm.code]).toEqual(['vdelivermail: invalid syntax in .qmail-default file\n', 111]);
  });

  it('says "What now - Success" with no domains', async () => {
    expect(await h.vp('vdominfo')).toMatchObject({ stdout: 'What now - Success\n', code: 0 });
  });
});

describe('vpopmail emulator: a domain and its users (RIG §2-§5)', () => {
  it('vadddomain writes assign, users/cdb, control files, .qmail-default and the counters', async () => {
    expect(await h.vp('vadddomain', 'test.example', 'pmPass1')).toMatchObject({ stdout: '', code: 0 });
    const files = await h.sh(
      `cat ${h.qmail}/users/assign; echo ---; cat ${h.qmail}/control/rcpthosts ${h.qmail}/control/virtualdomains; echo ---; cat ${D}/.dir-control; echo ---; cat ${D}/test.example/.qmail-default; echo ---; cdb -d ${h.qmail}/users/cdb | od -c | head -c 0; cdb -d ${h.qmail}/users/cdb | tr '\\0' '@'`,
    );
    const [assign, control, counter, qmailDefault, cdb] = files.stdout.split('---\n');
    expect(assign).toBe(`+test.example-:test.example:${h.uid}:${h.gid}:${D}/test.example:-::\n.\n`);
    expect(control).toBe('test.example\ntest.example:test.example\n');
    expect(counter).toBe('1\n0\n3\n0 0 0\n61 61 61\n0 2 4\n0 0 0\n\n');
    expect(qmailDefault).toBe(`| ${h.home}/bin/vdelivermail '' bounce-no-mailbox\n`);
    const data = `test.example@${h.uid}@${h.gid}@${D}/test.example@-@`;
    expect(cdb).toBe(`+14,${data.length}:!test.example-->${data}\n+0,1:->-\n\n`);
  });

  it('owns and protects every file as vpopmail does (0700 directories, 0600 files, qmail files 0644)', async () => {
    const r = await h.sh(
      // What this file made (other domains' empty buckets may be there: vpopmail leaves them).
      `cd ${D} && find . \\( -path . -o -path ./.dir-control -o -path ./test.example -o -path './test.example/*' \\) -printf '%m %u:%g %p\\n' | sort -k3; ls -l --time-style=+ ${h.qmail}/users/assign ${h.qmail}/control/rcpthosts | cut -c1-10`,
    );
    const u = 'vpopmail:vchkpw';
    expect(r.stdout).toBe(
      [
        `700 ${u} .`,
        `600 ${u} ./.dir-control`,
        `700 ${u} ./test.example`,
        `600 ${u} ./test.example/.dir-control`,
        `600 ${u} ./test.example/.qmail-default`,
        `600 ${u} ./test.example/.vpasswd.lock`,
        `700 ${u} ./test.example/postmaster`,
        `700 ${u} ./test.example/postmaster/Maildir`,
        `700 ${u} ./test.example/postmaster/Maildir/cur`,
        `700 ${u} ./test.example/postmaster/Maildir/new`,
        `700 ${u} ./test.example/postmaster/Maildir/tmp`,
        `600 ${u} ./test.example/postmaster/lastauth`,
        `600 ${u} ./test.example/vpasswd`,
        `600 ${u} ./test.example/vpasswd.cdb`,
        '-rw-r--r--',
        '-rw-r--r--',
        '',
      ].join('\n'),
    );
  });

  it('vadduser: -e keeps the hash and empties the clear field; quotas; lowercasing; the cdb mirrors vpasswd', async () => {
    for (const args of [
      ['-e', HASH, '-c', 'Alice Example', 'alice@test.example'],
      ['bob@test.example', 'bobPass2'],
      ['-q', '50M', '-c', 'Carol C', 'carol@test.example', 'carolPass3'],
      ['-n', 'nopass@test.example'],
      ['-e', SHA, '-q', '1000000S,500C', 'dave@test.example'],
      ['-e', HASH, 'erin@test.example', 'erinClear'],
      ['Mixed.Case@Test.Example', 'mixPass'],
    ])
      expect(await h.vp('vadduser', ...args)).toMatchObject({ stdout: '', code: 0 });
    const r = await h.sh(
      `cat ${D}/test.example/vpasswd; echo ---; cat ${D}/test.example/.dir-control; echo ---; cdb -l ${D}/test.example/vpasswd.cdb; echo ---; cat ${D}/test.example/carol/Maildir/maildirsize; ls ${D}/test.example/bob/Maildir`,
    );
    const [vpasswd, counter, keys, carol] = r.stdout.split('---\n');
    const lines = vpasswd!.trimEnd().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
      'erin',
      'mixed.case',
      'nopass',
      'postmaster',
    ]);
    const dir = (u: string) => `${D}/test.example/${u}`;
    expect(lines[0]).toBe(`alice:${HASH}:1:0:Alice Example:${dir('alice')}:NOQUOTA:`);
    expect(lines[1]).toMatch(
      new RegExp(`^bob:\\$1\\$[./0-9A-Za-z]{8}\\$[./0-9A-Za-z]{22}:1:0:bob:${dir('bob')}:NOQUOTA:bobPass2$`),
    );
    expect(lines[2]).toMatch(/^carol:\$1\$.{8}\$.{22}:1:0:Carol C:.*\/carol:52428800S:carolPass3$/);
    expect(lines[3]).toBe(`dave:${SHA}:1:0:dave:${dir('dave')}:1000000S,500C:`);
    expect(lines[4]).toBe(`erin:${HASH}:1:0:erin:${dir('erin')}:NOQUOTA:`);
    expect(lines[6]).toBe(`nopass::1:0:nopass:${dir('nopass')}:NOQUOTA:`);
    // The reader's quirk: after the first read-modify-write the mod line reads "0 2 2".
    expect(counter).toBe('8\n0\n3\n0 0 0\n61 61 61\n0 2 2\n0 0 0\n\n');
    expect(keys).toBe(
      '+5:alice\n+3:bob\n+5:carol\n+4:dave\n+4:erin\n+10:mixed.case\n+6:nopass\n+10:postmaster\n\n',
    );
    expect(carol).toBe('52428800S\n0 0\ncur\nnew\ntmp\n');
  });

  it('vuserinfo prints the recorded block, selected fields in fixed order, and errors (RIG §4)', async () => {
    const all = await h.vp('vuserinfo', 'alice@test.example');
    expect(block(all.stdout)).toEqual([
      'name:   alice',
      `passwd: ${HASH}`,
      'clear passwd: ',
      'comment/gecos: Alice Example',
      'uid:    1',
      'gid:    0',
      'flags:  0',
      'gecos: Alice Example',
      'limits: No user limits set.',
      `dir:       ${D}/test.example/alice`,
      'quota:     NOQUOTA',
      'usage:     NOQUOTA',
      'last auth: Never logged in',
    ]);
    expect((await h.vp('vuserinfo', '-d', '-n', 'alice@test.example')).stdout).toBe(
      `alice\n${D}/test.example/alice\n`,
    );
    expect(
      (await h.vp('vuserinfo', '-n', '-p', '-u', '-g', '-c', '-d', '-q', '-C', 'alice@test.example')).stdout,
    ).toBe(`alice\n${HASH}\n\n1\n0\nAlice Example\n${D}/test.example/alice\nNOQUOTA\n`);
    expect((await h.vp('vuserinfo', '-Q', 'carol@test.example')).stdout).toBe('0%\n');
    expect((await h.vp('vuserinfo', '-n', '-D', 'test.example')).stdout).toBe(
      'alice\nbob\ncarol\ndave\nerin\nmixed.case\nnopass\npostmaster\n',
    );
    expect(await h.vp('vuserinfo', 'nosuch@test.example')).toMatchObject({
      stdout: 'no such user nosuch@test.example\n',
      code: 255,
    });
    expect(await h.vp('vuserinfo', 'alice')).toMatchObject({ stdout: 'no such user alice\n', code: 255 });
    expect(await h.vp('vuserinfo', '-D', 'nosuch.example')).toMatchObject({ stdout: '', code: 0 });
  });

  it('vdominfo: blocks, fields, counter (RIG §5)', async () => {
    const dir = `${D}/test.example`;
    expect((await h.vp('vdominfo')).stdout).toBe(
      `domain: test.example\nuid:    ${h.uid}\ngid:    ${h.gid}\ndir:    ${dir}\nusers:  8\n\n`,
    );
    expect((await h.vp('vdominfo', 'test.example')).stdout).toBe(
      `domain: test.example\nuid:    ${h.uid}\ngid:    ${h.gid}\ndir:    ${dir}\nusers:  8\n`,
    );
    expect((await h.vp('vdominfo', '-n', '-d', '-t')).stdout).toBe(`test.example\n${dir}\n8\n\n`);
    expect(await h.vp('vdominfo', 'nosuch.example')).toMatchObject({
      stdout: 'Invalid domain name\n',
      code: 245,
    });
    // vdominfo rewrites the counter under a 022 umask.
    expect((await h.sh(`stat -c %a ${dir}/.dir-control`)).stdout).toBe('644\n');
  });
});

describe('vpopmail emulator: aliases and alias domains (RIG §6, §7, §15, §18, §26)', () => {
  it('valias inserts, refuses duplicates, lists in name order, deletes whole files', async () => {
    expect((await h.vp('valias', '-s', 'test.example')).code).toBe(255);
    for (const [line, alias] of [
      ['alice@test.example', 'info'],
      ['bob@elsewhere.example', 'info'],
      ['&carol@test.example', 'info'],
      [`${D}/test.example/alice/Maildir/`, 'dot.name'],
      ['| /usr/bin/true', 'pipe'],
    ])
      expect(await h.vp('valias', '-i', line!, `${alias}@test.example`)).toMatchObject({
        code: 0,
        stdout: '',
      });
    expect(await h.vp('valias', '-i', 'alice@test.example', 'info@test.example')).toMatchObject({
      code: 255,
      stderr: 'Error: alias info@test.example -> alice@test.example already exists.\n',
    });
    expect(
      (await h.sh(`cat ${D}/test.example/.qmail-dot:name; stat -c '%a %U' ${D}/test.example/.qmail-info`))
        .stdout,
    ).toBe(`${D}/test.example/alice/Maildir/\n600 vpopmail\n`);
    expect((await h.vp('valias', 'test.example')).stdout).toBe(
      [
        `dot.name@test.example -> ${D}/test.example/alice/Maildir/`,
        'info@test.example -> alice@test.example',
        'info@test.example -> bob@elsewhere.example',
        'info@test.example -> &carol@test.example',
        'pipe@test.example -> | /usr/bin/true',
        '',
      ].join('\n'),
    );
    expect((await h.vp('valias', '-n', 'test.example')).stdout).toBe('dot.name\ninfo\npipe\n');
    expect(await h.vp('valias', '-n', 'info@test.example')).toMatchObject({
      code: 255,
      stderr: 'Please enter domain name only.\n',
    });
    expect((await h.vp('valias', '-d', 'pipe@test.example')).code).toBe(0);
    expect((await h.vp('valias', '-s', 'pipe@test.example')).code).toBe(255);
    expect(await h.vp('valias', '-i', 'x@y.example', 'a@nosuch.example')).toMatchObject({
      code: 0,
      stdout: 'invalid domain, not in qmail assign file\ninvalid domain, not in qmail assign file\n',
    });
  });

  it('valias: 160+ character lines are silently dropped; longer lines in files list in 159-character pieces', async () => {
    expect(
      await h.vp('valias', '-i', `${'x'.repeat(150)}@remote.example`, 'longline@test.example'),
    ).toMatchObject({ code: 0 });
    expect(
      (await h.sh(`test -e ${D}/test.example/.qmail-longline && echo present || echo absent`)).stdout,
    ).toBe('absent\n');
    const long = `|/usr/bin/true ${'y'.repeat(180)}`;
    await h.sh(`printf '%s\\n' '${long}' > ${D}/test.example/.qmail-handmade`);
    expect((await h.vp('valias', '-s', 'handmade@test.example')).stdout).toBe(
      `handmade@test.example -> ${long.slice(0, 159)}\nhandmade@test.example -> ${long.slice(159)}\n`,
    );
    await h.vp('valias', '-d', 'handmade@test.example');
  });

  it('vaddaliasdomain: assign with the real directory, control files with the alias itself, errors', async () => {
    expect(await h.vp('vaddaliasdomain', 'test.example', 'alias.example')).toMatchObject({
      code: 0,
      stdout: '',
    });
    expect(await h.vp('vaddaliasdomain', 'other.example', 'test.example')).toMatchObject({ code: 0 });
    const r = await h.sh(`cat ${h.qmail}/users/assign ${h.qmail}/control/virtualdomains`);
    const line = (n: string) => `+${n}-:test.example:${h.uid}:${h.gid}:${D}/test.example:-::`;
    expect(r.stdout).toBe(
      `${line('alias.example')}\n${line('other.example')}\n${line('test.example')}\n.\n` +
        'alias.example:alias.example\nother.example:other.example\ntest.example:test.example\n',
    );
    expect(await h.vp('vaddaliasdomain', 'test.example', 'alias.example')).toMatchObject({
      code: 255,
      stdout: 'Error: Both domains already exist, unable to create alias.\n',
    });
    expect(await h.vp('vaddaliasdomain', 'nope1.example', 'nope2.example')).toMatchObject({
      code: 255,
      stdout: "Error: Neither 'nope1.example' or 'nope2.example'  exist, unable to create alias.\n",
    });
    expect((await h.vp('vdominfo', '-n', 'alias.example')).stdout).toBe(
      'test.example\nalias: alias.example\nalias: other.example\n',
    );
    expect((await h.vp('vdominfo')).stdout).toMatch(/^domain: alias\.example \(alias of test\.example\)\n/);
    expect((await h.vp('vuserinfo', '-n', 'alice@alias.example')).stdout).toBe('alice\n');
    expect((await h.vp('valias', '-n', 'alias.example')).stdout).toBe('dot.name\ninfo\n');
    expect((await h.sh(`tail -n 1 ${h.qmail}/emulator/hup.log`)).stdout).toMatch(/vaddaliasdomain/);
  });

  it('vdeldomain: refuses (exit 0) while aliases exist, removes one alias, -f removes all', async () => {
    expect(await h.vp('vdeldomain', 'test.example')).toMatchObject({
      code: 0,
      stdout:
        'Warning: Alias domains exist:\n   alias.example\n   other.example\n   use -f to force delete of domain and all aliases\n',
    });
    expect((await h.vp('vdominfo', '-n', 'test.example')).code).toBe(0);
    expect(await h.vp('vdeldomain', 'alias.example')).toMatchObject({ code: 0, stdout: '' });
    expect(
      (await h.sh(`grep -c alias.example ${h.qmail}/users/assign ${h.qmail}/control/rcpthosts || true`))
        .stdout,
    ).toBe(`${h.qmail}/users/assign:0\n${h.qmail}/control/rcpthosts:0\n`);
  });
});

describe('vpopmail emulator: changing users (RIG §8, §9, §10, §11, §13)', () => {
  it('vmoduser sets gecos, quota, flags (exact with -x), hashes, and strips colons the buggy way', async () => {
    await h.vp('vmoduser', '-c', 'Bob Builder', '-q', '10M', '-p', 'bob@test.example');
    expect(block((await h.vp('vuserinfo', 'bob@test.example')).stdout).slice(3, 12)).toEqual([
      'comment/gecos: Bob Builder',
      'uid:    1',
      'gid:    2',
      'flags:  2',
      'gecos: Bob Builder',
      'limits:',
      '        pop access closed',
      `dir:       ${D}/test.example/bob`,
      'quota:     10485760S',
    ]);
    await h.vp(
      'vmoduser',
      '-d',
      '-s',
      '-w',
      '-i',
      '-r',
      '-u',
      '-a',
      '-o',
      '-f',
      '-F',
      '-m',
      '-0',
      '-1',
      '-2',
      '-3',
      '-S',
      '-E',
      'bob@test.example',
    );
    expect((await h.vp('vuserinfo', '-g', 'bob@test.example')).stdout).toBe('524271\n');
    await h.vp('vmoduser', '-x', '-p', '-i', 'bob@test.example');
    await h.vp('vmoduser', '-b', 'bob@test.example');
    expect((await h.vp('vuserinfo', '-g', 'bob@test.example')).stdout).toBe('26\n');
    await h.vp('vmoduser', '-x', 'bob@test.example');
    const clear = (await h.vp('vuserinfo', '-C', 'bob@test.example')).stdout;
    await h.vp('vmoduser', '-e', '$1$zzzzzzzz$abcdefghijklmnopqrstuv', 'bob@test.example');
    expect((await h.vp('vuserinfo', '-p', '-C', 'bob@test.example')).stdout).toBe(
      `$1$zzzzzzzz$abcdefghijklmnopqrstuv\n${clear}`,
    );
    await h.vp('vmoduser', '-C', 'newClear9', 'bob@test.example');
    expect((await h.vp('vuserinfo', '-p', '-C', 'bob@test.example')).stdout).toMatch(
      /^\$1\$.{8}\$.{22}\nnewClear9\n$/,
    );
    await h.vp('vmoduser', '-c', 'has:colon', 'bob@test.example');
    expect((await h.vp('vuserinfo', '-c', 'bob@test.example')).stdout).toBe('hascolonn\n');
    expect(await h.vp('vmoduser', '-p', 'nosuch@test.example')).toMatchObject({
      code: 255,
      stdout: 'no such user nosuch@test.example\n',
    });
    expect(await h.vp('vmoduser', '-c', 'X', 'nosuch.example')).toMatchObject({ code: 0, stdout: '' });
  });

  it('vmoduser -n leaves vpasswd.cdb stale until vmkpasswd (RIG §25)', async () => {
    await h.vp('vmoduser', '-n', '-c', 'Changed Gecos', 'erin@test.example');
    expect((await h.vp('vuserinfo', '-c', 'erin@test.example')).stdout).toBe('erin\n');
    expect((await h.vp('vuserinfo', '-c', '-D', 'test.example')).stdout).toMatch(/Changed Gecos/);
    await h.vp('vmkpasswd', 'test.example');
    expect((await h.vp('vuserinfo', '-c', 'erin@test.example')).stdout).toBe('Changed Gecos\n');
  });

  it('vsetuserquota and vpasswd (RIG §9)', async () => {
    await h.vp('vsetuserquota', 'carol@test.example', '20m');
    expect((await h.sh(`cat ${D}/test.example/carol/Maildir/maildirsize`)).stdout).toBe('20971520S\n0 0\n');
    await h.vp('vsetuserquota', 'carol@test.example', '0');
    expect((await h.vp('vuserinfo', '-q', 'carol@test.example')).stdout).toBe('\n');
    await h.vp('vsetuserquota', 'carol@test.example', 'NOQUOTA');
    expect((await h.sh(`test -e ${D}/test.example/carol/Maildir/maildirsize || echo gone`)).stdout).toBe(
      'gone\n',
    );
    expect(await h.vp('vsetuserquota', 'nosuch@test.example', '1M')).toMatchObject({
      code: 246,
      stdout: 'Error: User does not exist\n',
    });
    expect(await h.vp('vsetuserquota', 'carol@nosuch.example', '1M')).toMatchObject({
      code: 245,
      stdout: 'Error: Domain does not exist\n',
    });
    expect((await h.vp('vpasswd', 'bob@test.example', 'bobNew77')).code).toBe(0);
    expect((await h.vp('vuserinfo', '-C', 'bob@test.example')).stdout).toBe('bobNew77\n');
    await h.vp('vmoduser', '-d', 'bob@test.example');
    expect(await h.vp('vpasswd', 'bob@test.example', 'blocked1')).toMatchObject({
      code: 255,
      stdout: 'Error: Illegal username\n',
    });
    await h.vp('vmoduser', '-x', 'bob@test.example');
  });

  it('vmoddomlimits writes the recorded layout; domain flags show with (*); new users take default quotas (RIG §10)', async () => {
    await h.vp(
      'vmoddomlimits',
      '-P',
      '10',
      '-A',
      '20',
      '-F',
      '30',
      '-R',
      '5',
      '-L',
      '2',
      '-Q',
      '100',
      '-q',
      '10M',
      '-M',
      '1000',
      '-m',
      '200',
      '-g',
      'pi',
      '-p',
      'cm',
      '-l',
      'a',
      'test.example',
    );
    expect(
      (
        await h.sh(
          `stat -c '%a %U' ${D}/test.example/.qmailadmin-limits; cat ${D}/test.example/.qmailadmin-limits`,
        )
      ).stdout,
    ).toBe(
      '644 root\nmaxpopaccounts: 10\nmaxaliases: 20\nmaxforwards: 30\nmaxautoresponders: 5\nmaxmailinglists: 2\nquota: 100\nmaxmsgcount: 1000\n' +
        'default_quota: 10485760\ndefault_maxmsgcount: 200\ndisable_pop\ndisable_imap\nperm_account: 3\nperm_alias: 0\nperm_forward: 0\n' +
        'perm_autoresponder: 0\nperm_maillist: 7\nperm_quota: 0\nperm_defaultquota: 0\n',
    );
    const show = (await h.vp('vmoddomlimits', '-S', 'test.example')).stdout.split('\n');
    expect(show.slice(0, 11)).toEqual([
      'Domain: test.example',
      '--',
      'Max Pop Accounts: 10',
      'Max Aliases: 20',
      'Max Forwards: 30',
      'Max Autoresponders: 5',
      'Max Mailinglists: 2',
      'GID Flags:',
      '  NO_IMAP',
      '  NO_POP',
      'Flags (for commandline): ip',
    ]);
    expect(show[12]).toBe('  pop account:            DENY_CREATE  DENY_MODIFY  ALLOW_DELETE ');
    // The first read handed the file to the domain.
    expect((await h.sh(`stat -c '%a %U' ${D}/test.example/.qmailadmin-limits`)).stdout).toBe(
      '600 vpopmail\n',
    );
    expect(block((await h.vp('vuserinfo', 'alice@test.example')).stdout).slice(6, 11)).toEqual([
      'flags:  10',
      'gecos: Alice Example',
      'limits:',
      '        pop access closed (*)',
      '        imap access closed (*)',
    ]);
    await h.vp('vadduser', 'frank@test.example', 'frankPw1');
    expect((await h.vp('vuserinfo', '-q', 'frank@test.example')).stdout).toBe('10485760S,200C\n');
    expect((await h.vp('vmoddomlimits', '-D', 'test.example')).stdout).toBe('Limits deleted\n');
    expect((await h.vp('vmoddomlimits', '-S', '-d')).stdout.split('\n').slice(0, 4)).toEqual([
      `Default limits: ${h.home}/etc/vlimits.default`,
      '--',
      'Max Pop Accounts: -1',
      'Max Aliases: 0',
    ]);
  });

  it('refuses bad input with the recorded messages and statuses (RIG §11)', async () => {
    const cases: [string[], string, number, string?][] = [
      [['vadddomain', 'test.example', 'x'], 'Error: Domain already exists\n', 243],
      [['vadddomain', '--', '-bad.example', 'x'], 'Error: Invalid domain name\n', 244],
      [['vadddomain', 'bad_domain.example', 'x'], 'Error: Invalid domain name\n', 244],
      [['vadddomain', 'ab', 'x'], 'Error: Invalid domain name\n', 244],
      [['vadddomain', '-r', '12', 'r12.example'], 'Error: Invalid domain name\n', 244],
      [['vadduser', 'alice@test.example', 'x'], 'Error: User already exists\n', 255],
      [['vadduser', 'someone@nosuch.example', 'x'], 'Error: Domain does not exist\n', 255],
      [['vadduser', 'a@test.example', 'x'], 'Error: Illegal username\n', 255],
      [
        ['vadduser', 'bad user@test.example', 'x'],
        'Error: Illegal username\n',
        255,
        'user invalid bad user\n',
      ],
      [['vadduser', '-c', 'bad:gecos', 'gecosbad@test.example', 'x'], 'Error: bad character\n', 236],
      [['vadduser', 'vpasswd@test.example', 'x'], "Error: User's directory already exists\n", 249],
      [
        ['vadduser', 'nodomain', 'x'],
        'You did not use a full email address for the user name\nOnly full email addresses should be used\n',
        255,
      ],
      [['vdeluser', 'nosuch@test.example'], 'Error: User does not exist\n', 246],
      [['vdeluser', 'alice@nosuch.example'], 'Error: Domain does not exist\n', 245],
      [['vdeldomain', 'nosuch.example'], 'Error: Domain does not exist\n', 245],
    ];
    for (const [argv, stdout, code, stderr] of cases) {
      const r = await h.vp(argv[0]!, ...argv.slice(1));
      expect({ argv, stdout: r.stdout, code: r.code }).toEqual({ argv, stdout, code });
      if (stderr) expect(r.stderr).toBe(stderr);
    }
  });

  it('catch-alls: mailbox and address forms of -e; -r prints the password (RIG §12)', async () => {
    await h.vp('vadddomain', '-e', 'postmaster', 'catch1.example', 'pw');
    await h.vp('vadddomain', '-e', 'someone@else.example', 'catch2.example', 'pw');
    const r = await h.sh(`cat ${D}/catch1.example/.qmail-default ${D}/catch2.example/.qmail-default`);
    expect(r.stdout).toBe(
      `| ${h.home}/bin/vdelivermail '' ${D}/catch1.example/postmaster\n| ${h.home}/bin/vdelivermail '' someone@else.example\n`,
    );
    // The catch-all guard never fires: the catch-all mailbox can be deleted.
    expect((await h.vp('vdeluser', 'postmaster@catch1.example')).code).toBe(0);
    const random = await h.vp('vadddomain', '-r12', 'randpw.example');
    const pw = /^Random password: ([a-zA-Z0-9.@!#%*]{12})\n$/.exec(random.stdout)?.[1];
    expect(pw).toBeDefined();
    expect((await h.vp('vuserinfo', '-C', 'postmaster@randpw.example')).stdout).toBe(`${pw}\n`);
  });
});

describe('vpopmail emulator: user directory hashing (RIG §16)', () => {
  it('puts allocations 100-199 in 0/, 200+ in 1/, reuses freed buckets, and keeps .dir-control', async () => {
    await h.vp('vadddomain', 'bulk.example', 'pw');
    const add = Array.from({ length: 250 }, (_, i) => `u${String(i + 1).padStart(3, '0')}`)
      .map((u) => `${h.home}/bin/vadduser -e '${HASH}' ${u}@bulk.example`)
      .join('\n');
    expect((await h.sh(`set -e\n${add}\n`)).code).toBe(0);
    const where = async (u: string) => (await h.vp('vuserinfo', '-d', `${u}@bulk.example`)).stdout.trim();
    const base = `${D}/bulk.example`;
    expect([await where('u098'), await where('u099'), await where('u198'), await where('u199')]).toEqual([
      `${base}/u098`,
      `${base}/0/u099`,
      `${base}/0/u198`,
      `${base}/1/u199`,
    ]);
    await h.vp('vdeluser', 'u150@bulk.example');
    await h.vp('vdeluser', 'u050@bulk.example');
    expect((await h.sh(`cat ${base}/.dir_control_free`)).stdout).toBe('0\n');
    await h.vp('vadduser', '-e', HASH, 'newa@bulk.example');
    await h.vp('vadduser', '-e', HASH, 'newb@bulk.example');
    expect([await where('newa'), await where('newb')]).toEqual([`${base}/0/newa`, `${base}/1/newb`]);
    expect((await h.sh(`cat ${base}/.dir-control`)).stdout).toBe(
      '251\n0\n3\n0 0 0\n61 61 61\n0 2 2\n1 0 0\n1\n',
    );
    expect((await h.vp('vuserinfo', '-n', '-D', 'bulk.example')).stdout.split('\n').length - 1).toBe(251);
  }, 240_000);
});
