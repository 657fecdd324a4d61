/** `vmigrate inventory` against the standard fixture on `old`. */
import { describe, expect, inject, it } from 'vitest';
import type { Inventory } from '../../src/vpopmail/inventory-types.js';
import { runLabCli, resultOf } from '../helpers/lab-cli.js';

const { plan, dirs } = inject('fixture');

function inventory(domain: string, ...extra: string[]) {
  return runLabCli(['inventory', domain, '--from', 'old', ...extra]);
}

describe('vmigrate inventory', () => {
  it('reads a whole domain as one JSON document, with secrets redacted', () => {
    const r = inventory('example.com', '--json');
    expect(r.code).toBe(0);
    const inv = resultOf<Inventory>(r.stdout);
    expect(inv).toMatchObject({
      schema: 1,
      domain: 'example.com',
      dir: dirs.domains['example.com'],
      uid: 89,
      gid: 89,
    });
    expect(inv.aliasDomains).toEqual(['example.net']);
    expect(inv.catchAll).toEqual({ kind: 'mailbox', path: `${dirs.domains['example.com']}/support` });
    expect(inv.users.map((u) => u.name).sort()).toEqual(
      [...(plan.summary.users['example.com'] ?? [])].sort(),
    );
    // Users no test sends mail to hold exactly the fixture's messages.
    for (const name of ['dave', 'erin', 'mary-ann', 'frank'])
      expect(inv.users.find((u) => u.name === name)?.messages, name).toBe(
        plan.summary.messages[`example.com/${name}`] ?? 0,
      );
    const alice = inv.users.find((u) => u.name === 'alice');
    expect(alice?.folders.map((f) => f.name)).toEqual([
      '',
      '.Archive',
      '.Archive.2019',
      '.Entw&APw-rfe',
      '.My Stuff',
      '.Sent',
      '.Trash',
    ]);
    expect(alice).toMatchObject({ quota: '52428800S', hasClearPassword: true, passwordScheme: 'md5-crypt' });
    expect(inv.users.find((u) => u.name === 'mary-ann')?.flags).toBe(0x1004);
    const roles = Object.fromEntries(inv.dotQmail.map((d) => [d.name, d.role]));
    expect(roles).toMatchObject({
      help: 'autoresponder',
      announce: 'mailing-list',
      info: 'forward',
      sales: 'alias',
      'old-sales': 'empty',
      default: 'catch-all',
    });
    expect(inv.users.find((u) => u.name === 'carol')?.dotQmail?.lines).toHaveLength(3);
    expect(inv.extra.map((e) => e.path)).toEqual(
      expect.arrayContaining(['HELP/message', 'announce/config', 'announce/subscribers/a']),
    );
    expect(inv.limits.source).toBe('domain');
    // No hash and no clear password reaches the terminal or the log.
    for (const text of [r.stdout, r.log]) {
      expect(text).not.toMatch(/\$1\$fx/);
      expect(text).not.toContain('alice-Pw-1');
    }
  });

  it('takes the same two round trips for 3 users and for 131', () => {
    const execs = (log: string) => log.split('\n').filter((l) => l.includes('"msg":"exec"')).length;
    const small = inventory('example.org', '--json');
    const big = inventory('big.example', '--json');
    expect(resultOf<Inventory>(big.stdout).users).toHaveLength(131);
    expect(execs(small.log)).toBe(2);
    expect(execs(big.log)).toBe(2);
  });

  it('prints a summary and a table per user', () => {
    const r = inventory('example.com');
    expect(r.stdout).toMatch(/^example\.com on old\n/);
    expect(r.stdout).toMatch(/alias domains {2}example\.net/);
    expect(r.stdout).toMatch(/^mary-ann +NOQUOTA +no-webmail,qmailadmin-admin +md5-crypt +no /m);
  });

  it('refuses bad names before connecting, and says when a domain is missing', () => {
    const bad = inventory('example.com;reboot');
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/not a valid domain name/);
    const missing = inventory('nosuch.example');
    expect(missing.code).toBe(5);
    expect(missing.stdout + missing.stderr).toMatch(/nosuch\.example does not exist on old/);
  });
});
