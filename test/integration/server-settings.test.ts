/**
 * `move --list|--all --server --dry-run` through real sshd: the server-level settings the
 * moved domains depend on, read from both lab hosts and compared in the plan, the destination
 * left exactly as it was.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultOf, runLabCli } from '../helpers/lab-cli.js';
import { useMailHosts } from '../helpers/vpopmail.js';

interface Difference {
  key: string;
  carry: string;
  onlySource: string[];
  onlyDest: string[];
}

describe('move --server', () => {
  const hosts = useMailHosts();
  let vlimits = '';
  const destState = async () =>
    (
      await hosts.new.sh(
        `find ${hosts.new.qmail}/control ${hosts.new.home}/etc /etc/tcp.smtp -maxdepth 1 -type f -exec sha256sum {} + 2>/dev/null | sort`,
      )
    ).stdout;
  beforeAll(async () => {
    vlimits = (await hosts.old.sh(`cat ${hosts.old.home}/etc/vlimits.default`)).stdout;
    const r = await hosts.old.sh(
      [
        `echo 20000000 > ${hosts.old.qmail}/control/databytes`,
        `printf 'example.com:relay.example.net\\nunrelated.example:elsewhere\\n' > ${hosts.old.qmail}/control/smtproutes`,
        `printf '127.:allow,RELAYCLIENT=""\\n192.0.2.:allow,RELAYCLIENT=""\\n' > /etc/tcp.smtp`,
        `echo 'maxpopaccounts 77' >> ${hosts.old.home}/etc/vlimits.default`,
      ].join('\n'),
    );
    expect(r.code).toBe(0);
  });
  afterAll(async () => {
    await hosts.old.sh(
      `rm -f ${hosts.old.qmail}/control/databytes ${hosts.old.qmail}/control/smtproutes /etc/tcp.smtp`,
    );
    await hosts.new.sh(`rm -f ${hosts.new.qmail}/control/databytes /etc/tcp.smtp /etc/tcp.smtp.vmigrate-*`);
    await hosts.old.vp('vdeldomain', 'srvtest.example');
    await hosts.new.vp('vdeldomain', 'srvtest.example');
    await hosts.old.remote.exec(['sh', '-c', 'cat > "$1"', 'w', `${hosts.old.home}/etc/vlimits.default`], {
      stdin: vlimits,
    });
  });

  it('shows what differs for the domains moved, and changes nothing', async () => {
    const list = join(mkdtempSync(join(tmpdir(), 'list-')), 'domains.txt');
    writeFileSync(list, 'example.com\n');
    const before = await destState();
    const r = runLabCli([
      'move',
      '--list',
      list,
      '--from',
      'old',
      '--to',
      'new',
      '--server',
      '--dry-run',
      '--json',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const server = resultOf<{ server: { differences: Difference[] } }>(r.stdout).server;
    const byKey = new Map(server.differences.map((d) => [d.key, d]));
    expect(byKey.get('control/databytes')).toMatchObject({
      carry: 'copy',
      onlySource: ['20000000'],
      onlyDest: [],
    });
    expect(byKey.get('control/smtproutes')?.onlySource).toEqual(['example.com:relay.example.net']);
    expect(byKey.get('tcp.smtp')?.onlySource).toEqual([
      '127.:allow,RELAYCLIENT=""',
      '192.0.2.:allow,RELAYCLIENT=""',
    ]);
    expect(byKey.get('vlimits.default')?.onlySource).toContain('maxpopaccounts 77');
    expect(byKey.get('control/me')).toMatchObject({
      carry: 'never',
      onlySource: ['old.lab.example'],
      onlyDest: ['new.lab.example'],
    });
    expect(await destState()).toBe(before);

    const text = runLabCli(['move', '--list', list, '--from', 'old', '--to', 'new', '--server', '--dry-run']);
    expect(text.stdout).toContain('Server settings that differ (old -> new; nothing is changed on new)');
    expect(text.stdout).toContain('    old only: example.com:relay.example.net');
  });

  it('goes only with many domains', () => {
    const r = runLabCli(['move', 'example.com', '--from', 'old', '--to', 'new', '--server', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server goes with --all or --list');
  });

  it('carries the settings asked for before the domains, keeping each file as it was beside it', async () => {
    expect((await hosts.old.vp('vadddomain', 'srvtest.example', 'x-postmaster-pw')).code).toBe(0);
    expect((await hosts.new.sh('printf "10.:allow\\n" > /etc/tcp.smtp')).code).toBe(0);
    const list = join(mkdtempSync(join(tmpdir(), 'list-')), 'domains.txt');
    writeFileSync(list, 'srvtest.example\n');
    const move = (...extra: string[]) =>
      runLabCli(['move', '--list', list, '--from', 'old', '--to', 'new', '--server', ...extra, '--json']);

    const unknown = move('--server-settings', 'control/databytes,control/nosuch');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('--server-settings names control/nosuch, which do not differ');
    expect((await hosts.new.sh(`cat ${hosts.new.qmail}/control/databytes`)).code).not.toBe(0);

    const r = move('--server-settings', 'control/databytes,tcp.smtp');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const server = resultOf<{
      server: {
        applied: Array<{ key: string; path: string; did: string; backup?: string }>;
        left: Array<{ key: string; why: string }>;
      };
    }>(r.stdout).server;
    expect(server.applied.map((a) => [a.key, a.path, a.did])).toEqual([
      ['control/databytes', `${hosts.new.qmail}/control/databytes`, 'copied'],
      ['tcp.smtp', '/etc/tcp.smtp', 'lines added'],
    ]);
    expect(server.applied[0]?.backup).toBeUndefined();
    expect(server.applied[1]?.backup).toMatch(/^\/etc\/tcp\.smtp\.vmigrate-run\d+$/);
    expect(server.left.map((l) => l.key)).toEqual(['tcp.smtp']);
    expect(server.left[0]?.why).toContain('has no tcprules');
    const now = await hosts.new.sh(
      `cat ${hosts.new.qmail}/control/databytes /etc/tcp.smtp /etc/tcp.smtp.vmigrate-run*`,
    );
    expect(now.stdout).toBe(
      '20000000\n10.:allow\n127.:allow,RELAYCLIENT=""\n192.0.2.:allow,RELAYCLIENT=""\n10.:allow\n',
    );
    // The settings not named stay as they were; the domain moved as ever.
    expect((await hosts.new.sh(`cat ${hosts.new.home}/etc/vlimits.default`)).stdout).not.toContain(
      'maxpopaccounts 77',
    );
    expect((await hosts.new.vp('vdominfo', 'srvtest.example')).code).toBe(0);
  });
});
