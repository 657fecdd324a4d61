/**
 * Logins other than a quiet root: an ordinary user with password-less `sudo -n` on both
 * servers moves a domain completely (verified by checksum); a root whose shell start-up files
 * print text, and an ordinary user without sudo, are refused with a clear message before
 * anything is written.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LAB_OPERATOR } from '../lab/lab.js';
import { setRootShellRc } from '../lab/slow-shell.js';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { lab, scratchConfig } from '../helpers/lab-session.js';
import { expectExactCopy, treeSnapshot, useMailHosts } from '../helpers/vpopmail.js';
import { writeFileSync } from 'node:fs';

const DOMAIN = 'example.com';

/** Profiles `oldop` and `newop`: the lab's ordinary login on each mail host, with or without sudo. */
function operatorConfig(sudo: boolean): string {
  const l = lab();
  const { config } = scratchConfig('');
  const profile = (name: string, h: 'old' | 'new') => [
    `  ${name}:`,
    `    host: ${LAB_OPERATOR.name}@${l.hosts[h].address}`,
    `    identityFile: ${l.client.key}`,
    `    knownHostsFile: ${l.client.knownHosts}`,
    `    sudo: ${String(sudo)}`,
    `    vpopmailDir: ${l.hosts[h].vpopmail!.home}`,
    `    qmailDir: ${l.hosts[h].qmailDir!}`,
  ];
  writeFileSync(config, ['hosts:', ...profile('oldop', 'old'), ...profile('newop', 'new'), ''].join('\n'));
  return config;
}

describe('logins', () => {
  const hosts = useMailHosts();
  const drop = () => hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  afterEach(() => setRootShellRc(lab().hosts.new, []));
  afterAll(drop);

  it('an ordinary user with sudo -n on both servers moves a domain completely', async () => {
    await drop();
    const config = operatorConfig(true);
    const state = freshStateDir();
    const r = runLabCli(['move', DOMAIN, '--from', 'oldop', '--to', 'newop'], { state, config });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The mail is the vpopmail user's, not the login's.
    const owners = await hosts.new.sh(
      `find "$(${hosts.new.home}/bin/vdominfo -d ${DOMAIN} | head -n 1)" ! -uid ${hosts.new.uid} | head -n 3`,
    );
    expect(owners.stdout).toBe('');
    await expectExactCopy(hosts.new, DOMAIN, { from: 'oldop', to: 'newop' }, { state, config });
  });

  it('a root login whose start-up files print text is refused, naming the text; nothing written', async () => {
    await drop();
    const before = await treeSnapshot(hosts.new);
    // (Root's rc file speaks to every root login, this test's own too, until it is taken away.)
    setRootShellRc(lab().hosts.new, ['echo "Welcome to new, have a nice day"']);
    const r = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new']);
    const said = r.stdout + r.stderr;
    expect(r.code, said).toBe(5);
    expect(said).toMatch(/the login shell on new prints text before every command/);
    expect(said).toContain('Welcome to new, have a nice day');
    setRootShellRc(lab().hosts.new, []);
    expect(await treeSnapshot(hosts.new)).toBe(before);
  });

  it('an ordinary user without sudo is refused with what to do; nothing written', async () => {
    await drop();
    const before = await treeSnapshot(hosts.new);
    const r = runLabCli(['move', DOMAIN, '--from', 'oldop', '--to', 'newop'], {
      config: operatorConfig(false),
    });
    const said = r.stdout + r.stderr;
    expect(r.code, said).toBe(5);
    expect(said).toContain(
      `commands run as uid ${LAB_OPERATOR.uid}, not root: log in as root, or set "sudo: true"`,
    );
    expect(await treeSnapshot(hosts.new)).toBe(before);
  });
});
