/**
 * Many domains switched without scripting (sync, verify, cutover and cleanup with --list), and
 * cleanup's guards: no removal without a confirmation, none while the destination differs, and
 * no rollback once the source's copy is gone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTrafficIds, sendMessage, waitForLocalDeliveries } from '../lab/mail-traffic.js';
import { leaveHostsAsFound, makeLiveDomain } from '../helpers/cutover-lab.js';
import { freshStateDir, resultOf, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DOMAINS = ['batch1.example', 'batch2.example'];
const pair = ['--from', 'old', '--to', 'new'];

interface Batch<T> {
  domains: Array<{ domain: string; outcome: string; result?: T; error?: { message: string } }>;
}

describe('cutover and cleanup of a list of domains', () => {
  const hosts = useMailHosts();
  const state = freshStateDir();
  const list = join(state, 'domains.txt');
  const cli = (...args: string[]) => runLabCli(args, { state });

  beforeAll(async () => {
    for (const d of DOMAINS) {
      await makeLiveDomain(hosts.old, d);
      for (let i = 1; i <= 3; i++)
        expect(
          await sendMessage({ host: lab().hosts.old.address, recipient: `ann@${d}`, id: `${d}-${i}` }),
        ).toMatch(/^250 /);
    }
    await waitForLocalDeliveries(hosts.old.remote, hosts.old.qmail);
    writeFileSync(list, `# switched tonight\n${DOMAINS.join('\n')}\n`);
  });
  afterAll(async () => {
    for (const d of DOMAINS) await leaveHostsAsFound(hosts, d, state);
  });

  it('moves, syncs, verifies and cuts over every domain of the list', () => {
    expect(cli('move', '--list', list, ...pair).code).toBe(0);
    for (const command of ['sync', 'verify', 'cutover']) {
      const r = cli(
        command,
        '--list',
        list,
        ...pair,
        '--json',
        ...(command === 'cutover' ? ['--poll-interval', '200'] : []),
      );
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      const batch = resultOf<Batch<unknown>>(r.stdout);
      expect(batch.domains.map((d) => [d.domain, d.outcome])).toEqual(DOMAINS.map((d) => [d, 'ok']));
    }
    const done = resultOf<Batch<{ steps: string[] }>>(
      cli('cutover', '--list', list, ...pair, '--json').stdout,
    );
    // Asked again: already done, nothing changed.
    expect(done.domains.map((d) => d.result?.steps)).toEqual([[], []]);
  });

  it('removes nothing without a confirmation, or while the destination differs', async () => {
    const unconfirmed = cli('cleanup', '--list', list, ...pair);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout + unconfirmed.stderr).toMatch(/no terminal to confirm it on/);

    // One message damaged on the destination: same size, other bytes.
    const found = await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`);
    const file = found.get('batch1.example-1')?.[0];
    expect(file).toBeDefined();
    const damage = `cp '${file}' /tmp/batch-kept && printf X | dd of='${file}' bs=1 seek=0 conv=notrunc 2>/dev/null`;
    expect((await hosts.new.sh(damage)).code).toBe(0);
    try {
      const r = cli('cleanup', 'batch1.example', ...pair, '--yes');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/verify --checksum finds 1 difference\(s\) .* nothing was removed/);
    } finally {
      await hosts.new.sh(`cat /tmp/batch-kept > '${file}' && rm -f /tmp/batch-kept`);
    }
    const assigned = (
      await hosts.old.sh(`grep -c -E '^[+](alias-)?batch' ${hosts.old.qmail}/users/assign`)
    ).stdout.trim();
    expect(Number(assigned)).toBe(4);
  });

  it('removes every domain of the list and its alias domain from the source, after which there is no rollback', async () => {
    const r = cli('cleanup', '--list', list, ...pair, '--yes', '--json');
    expect(r.code, r.stderr).toBe(0);
    const batch = resultOf<Batch<{ removed: string[]; verifiedMessages: number }>>(r.stdout);
    expect(batch.domains.map((d) => d.result?.removed)).toEqual(DOMAINS.map((d) => [d, `alias-${d}`]));
    expect(batch.domains.every((d) => (d.result?.verifiedMessages ?? 0) >= 3)).toBe(true);
    const left = await hosts.old.sh(
      `grep batch ${hosts.old.qmail}/users/assign ${hosts.old.qmail}/control/rcpthosts || true`,
    );
    expect(left.stdout).toBe('');
    // Still on the destination, every message.
    const found = await findTrafficIds(hosts.new.remote, `${hosts.new.home}/domains`);
    for (const d of DOMAINS) for (let i = 1; i <= 3; i++) expect(found.get(`${d}-${i}`)).toHaveLength(1);

    const back = cli('cutover', 'batch1.example', ...pair, '--rollback');
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/was removed from old after its cutover \(cleanup\)/);
  });
});
