/**
 * A direct stream's outcome from what the source's sender reports: tar -c's lines and
 * checkpoints on stdout, the destination's lines and both statuses on stderr. No server.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionError, DiskFullError } from '../../src/errors.js';
import { directHello, directTree, type DirectRoute } from '../../src/maildir/direct-tree.js';
import type { TreeRelay } from '../../src/maildir/tar-relay.js';
import { FakeRemote } from '../helpers/fake-remote.js';

const route: DirectRoute = {
  label: 'new',
  hostKey: 'ssh-ed25519 AAAAdest',
  runKey: 'ssh-ed25519 AAAArun',
  host: '10.0.0.12',
  port: 22,
  login: 'root',
};
const job = (o: Partial<TreeRelay> = {}): TreeRelay => ({
  sourceBase: '/home/vpopmail/domains/ex.com/ann/Maildir',
  destBase: '/var/vpopmail/domains/ex.com/ann/Maildir',
  members: ['new', 'new/1.m', 'new/2.m'],
  owner: { uid: 1089, gid: 1090 },
  live: true,
  ...o,
});
/** The sender's report: tar's lines on stdout; the destination's lines, then both statuses, on stderr. */
const sending = (ssh: number, tar: number, source: string, dest = '') =>
  new FakeRemote('old').answer({
    match: /vmigrate-direct/,
    code: ssh,
    stdout: source,
    stderr: `${dest
      .split('\n')
      .filter(Boolean)
      .map((l) => `vmigrate-dest: ${l}\n`)
      .join('')}vmigrate-direct-status: ${ssh} ${tar}\n`,
  });

describe('directTree', () => {
  it('sends the member list to the source and asks for the domain base, nothing through the controller', async () => {
    const src = sending(0, 0, '');
    expect(await directTree(src, job(), route)).toEqual({ vanished: 0, vanishedNames: [] });
    const asked = src.asked[0]!;
    expect(asked.stdin.toString()).toBe('new\0new/1.m\0new/2.m\0');
    expect(asked.argv.slice(4, 10)).toEqual([
      'ssh-ed25519 AAAAdest',
      'ssh-ed25519 AAAArun',
      '10.0.0.12',
      '22',
      'root',
      expect.stringMatching(/^vmigrate-receive (\\0[0-7]{3})+ - -$/),
    ]);
    // No shared connection here; tar's own arguments follow: the sender runs tar -c itself.
    expect(asked.argv[10]).toBe('-');
    expect(asked.argv[11]).toBe('--owner=:1089');
    expect(asked.argv).toContain('--ignore-failed-read');
  });

  it('takes files gone from a live mailbox as vanished, and anything else as a failure naming its side', async () => {
    const gone =
      'tar: new/2.m: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors';
    expect(await directTree(sending(0, 1, gone), job(), route)).toEqual({
      vanished: 1,
      vanishedNames: ['new/2.m'],
    });
    await expect(directTree(sending(0, 1, gone), job({ live: false }), route)).rejects.toThrow(
      /the direct stream from old into new failed \(tar -c exit 1\): tar: new\/2\.m: Cannot stat/,
    );
    await expect(
      directTree(sending(2, 0, '', 'tar: new/1.m: Cannot write: Input/output error'), job(), route),
    ).rejects.toThrow(/failed \(exit 2\): tar: new\/1\.m: Cannot write: Input\/output error/);
  });

  it('stops the run on a full destination, and retries a login that failed', async () => {
    const full = directTree(
      sending(2, 0, '', 'tar: new/1.m: Cannot write: No space left on device'),
      job(),
      route,
    );
    await expect(full).rejects.toBeInstanceOf(DiskFullError);
    await expect(full).rejects.toThrow(/tar -x on new: .*No space left on device/);
    const refused = directTree(
      sending(255, 0, '', 'root@10.0.0.12: Permission denied (publickey).'),
      job(),
      route,
    );
    await expect(refused).rejects.toBeInstanceOf(ConnectionError);
    await expect(refused).rejects.toThrow(/old's ssh could not log in: root@10\.0\.0\.12: Permission denied/);
  });

  it("counts progress from tar's checkpoints and settles on its total", async () => {
    const seen: number[] = [];
    const src = sending(
      0,
      0,
      'tar: vmigrate-records 32\ntar: vmigrate-records 64\nTotal bytes written: 706560 (690KiB, 1.2MiB/s)\n',
    );
    await directTree(src, job({ onBytes: (n) => seen.push(n) }), route);
    expect(seen).toEqual([327_680, 327_680, 51_200]);
  });

  it('checks the grant with a hello that names the address the destination saw', async () => {
    expect(await directHello(sending(0, 0, '', 'vmigrate-hello 10.0.0.11'), route)).toBe('10.0.0.11');
    await expect(
      directHello(sending(255, 0, '', 'root@10.0.0.12: Permission denied (publickey).'), route),
    ).rejects.toThrow(/could not log in/);
  });

  it('refuses a job the gatekeeper would not run', async () => {
    await expect(directTree(sending(0, 0, ''), job({ extract: 'direct' }), route)).rejects.toThrow(
      /staged streams only/,
    );
  });
});
