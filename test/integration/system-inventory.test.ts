/**
 * The system accounts of a lab host read through real sshd (test/lab/system-accounts.ts), and
 * the destination's own crypt() asked which of their hashes it verifies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/remote/quote.js';
import { checkHashes } from '../../src/system/crypt-check.js';
import { readSystemInventory } from '../../src/system/inventory.js';
import { loadSystemDomain, SYSTEM_DOMAIN, SYSTEM_UID_MIN, SYSTEM_USERS } from '../lab/system-accounts.js';
import { useMailHosts } from '../helpers/vpopmail.js';

describe('system accounts', () => {
  const hosts = useMailHosts();
  beforeAll(async () => {
    await loadSystemDomain(hosts.old.remote, hosts.old.qmail);
  });

  it('reads every mail account of the range with its hash, and names the one qmail does not deliver to', async () => {
    const inv = await readSystemInventory(hosts.old.remote, hosts.old.qmail, SYSTEM_DOMAIN, {
      uidMin: SYSTEM_UID_MIN,
    });
    const mailUsers = SYSTEM_USERS.filter((u) => !u.foreignHome);
    expect(inv.users.map((u) => u.name)).toEqual(mailUsers.map((u) => u.name));
    expect(inv.notMailUsers.map((n) => n.name)).toEqual(['sysgus']);
    const shadow = await hosts.old.sh(
      `getent shadow ${mailUsers.map((u) => u.name).join(' ')} | cut -d: -f2`,
    );
    expect(inv.users.map((u) => u.password.value)).toEqual(shadow.stdout.trim().split('\n'));
    for (const u of mailUsers) {
      const got = inv.users.find((x) => x.name === u.name);
      const messages = Object.values(u.maildir ?? {}).flat().length;
      expect(got?.stores.find((s) => s.kind === 'maildir')?.messages ?? 0).toBe(messages);
      expect(got?.stores.some((s) => s.kind === 'mbox')).toBe(u.mbox !== undefined);
    }
  });

  it('reads only the accounts of a list, and names a listed account passwd lacks', async () => {
    const inv = await readSystemInventory(hosts.old.remote, hosts.old.qmail, SYSTEM_DOMAIN, {
      users: ['sysbob', 'nosuchuser', 'sysgus'],
    });
    expect(inv.users.map((u) => u.name)).toEqual(['sysbob']);
    expect(inv.missing).toEqual(['nosuchuser']);
    expect(inv.notMailUsers.map((n) => n.name)).toEqual(['sysgus']);
  });

  it("asks the destination's crypt() which hashes it verifies", async () => {
    const inv = await readSystemInventory(hosts.old.remote, hosts.old.qmail, SYSTEM_DOMAIN, {
      uidMin: SYSTEM_UID_MIN,
    });
    const checks = await checkHashes(hosts.new.remote, [
      ...inv.users.map((u) => u.password),
      new Secret('not-a-hash'),
    ]);
    expect(Object.fromEntries(inv.users.map((u, i) => [u.name, checks[i]]))).toEqual({
      sysann: 'ok',
      sysbob: 'ok',
      syscarl: 'ok',
      sysdora: 'ok',
      sysed: 'no',
      sysfred: 'ok',
    });
    expect(checks.at(-1)).toBe('no');
  });
});
