/**
 * Names at the boundary, typed by the operator or found on a hostile source. A name vmigrate
 * will not carry is refused with exit 2, by name, before anything is recorded or written on
 * either host; a name vpopmail itself folds (upper case) is folded the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshStateDir, resultOf, runLabCli } from '../helpers/lab-cli.js';
import { snapshotAsideFromLock, treeSnapshot, useMailHosts } from '../helpers/vpopmail.js';

/** Domain names an operator might type by mistake or an attacker on purpose. */
const BAD_DOMAINS = [
  'a;reboot.example',
  'a b.example',
  'line\nbreak.example',
  'tab\there.example',
  '../escape.example',
  'x..y.example',
  '-dash.example',
  'dash-.example',
  '$(id).example',
  '`id`.example',
  "quote'.example",
  'star*.example',
  'slash/x.example',
  `${'a'.repeat(260)}.example`,
  'bücher.example',
  'nodot',
  '.example',
];

/** User names vpopmail accepts (spec §2.1) that vmigrate will not carry to another server. */
const ODD_USERS = ['we`ird', 'a$b', "x'y", 'a&b', 'p|q', 'st*r', 'a!b', '.hidden', 'semi#colon'];
const ODD = 'odd-names.example';

/**
 * How a refusal names the input: plainly, or JSON-quoted when it holds a control character; a
 * leading dash makes it an option that does not exist.
 */
function named(stderr: string, name: string): boolean {
  return (
    stderr.includes(`"${name}"`) ||
    stderr.includes(JSON.stringify(name)) ||
    (name.startsWith('-') && stderr.includes(`Nonexistent flag: ${name}`))
  );
}

describe('names at the boundary', () => {
  const hosts = useMailHosts();

  beforeAll(async () => {
    expect((await hosts.old.vp('vadddomain', ODD, 'pw-odd-12345')).code).toBe(0);
    for (const u of ODD_USERS) {
      const r = await hosts.old.vp('vadduser', `${u}@${ODD}`, 'pw-odd-12345');
      expect(r.code, `${u}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });
  afterAll(async () => {
    await hosts.old.vp('vdeldomain', '-f', ODD);
  });

  it('refuses each malformed domain name with exit 2, naming it; nothing recorded, nothing written', async () => {
    const before = await treeSnapshot(hosts.new);
    const state = freshStateDir();
    const wrong: string[] = [];
    for (const name of BAD_DOMAINS) {
      const r = runLabCli(['move', name, '--from', 'old', '--to', 'new'], { state });
      if (r.code !== 2 || !named(r.stderr, name))
        wrong.push(`${JSON.stringify(name)}: exit ${r.code} ${r.stderr}`);
    }
    expect(wrong).toEqual([]);
    const status = runLabCli(['status', '--json'], { state });
    expect(status.code).toBe(0);
    expect(resultOf<{ runs: unknown[] }>(status.stdout).runs).toEqual([]);
    expect(await treeSnapshot(hosts.new)).toBe(before);
  });

  it('folds an upper-case domain name to lower case, as vpopmail does', () => {
    const r = runLabCli(['inventory', 'EXAMPLE.Com', '--from', 'old']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^example\.com on old\n/);
  });

  it('refuses a source whose user names it will not carry, naming every one; nothing written', async () => {
    const before = await snapshotAsideFromLock(hosts.new);
    for (const command of ['move', 'provision']) {
      const r = runLabCli([command, ODD, '--from', 'old', '--to', 'new']);
      // A move reports it in its table of domains (stdout), provision as its error.
      const said = r.stdout + r.stderr;
      expect(r.code, `${command}: ${said}`).toBe(2);
      expect(said).toContain(`${ODD} on old holds names vmigrate will not handle`);
      expect(ODD_USERS.filter((u) => !named(said, u))).toEqual([]);
    }
    expect(await snapshotAsideFromLock(hosts.new)).toBe(before);
    expect(before).toMatch(new RegExp(` - ${hosts.new.home} $`, 'm'));
  });
});
