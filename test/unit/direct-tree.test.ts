/**
 * A direct stream's outcome from what the source's sender reports: its status (the
 * destination's, or 200 + tar -c's) and both sides' complaints, apart. No server.
 */
import { describe, expect, it } from 'vitest';
import { directTree, type DirectRoute } from '../../src/maildir/direct-tree.js';
import type { TreeRelay } from '../../src/maildir/tar-relay.js';
import { FakeRemote } from '../helpers/fake-remote.js';

const route: DirectRoute = {
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
/** The sender's report: its stderr, then the status line it ends with. */
const sending = (ssh: number, tar: number, stderr: string) =>
  new FakeRemote('old').answer({
    match: /vmigrate-direct/,
    code: ssh,
    stderr: `${stderr}${stderr ? '\n' : ''}vmigrate-direct-status: ${ssh} ${tar}\n`,
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
    // tar's own arguments follow: the sender runs tar -c itself.
    expect(asked.argv[10]).toBe('--owner=:1089');
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
      /the direct stream from old into 10\.0\.0\.12 failed \(tar -c exit 1\): tar: new\/2\.m: Cannot stat/,
    );
    await expect(
      directTree(
        sending(2, 0, 'vmigrate-dest: tar: new/1.m: Cannot write: No space left on device'),
        job(),
        route,
      ),
    ).rejects.toThrow(/failed \(exit 2\): tar: new\/1\.m: Cannot write: No space left on device/);
  });

  it('tells ssh failing from the destination failing', async () => {
    await expect(
      directTree(sending(255, 0, 'root@10.0.0.12: Permission denied (publickey).'), job(), route),
    ).rejects.toThrow(/failed \(exit 255\): root@10\.0\.0\.12: Permission denied/);
  });

  it('refuses a job the gatekeeper would not run', async () => {
    await expect(directTree(sending(0, 0, ''), job({ extract: 'direct' }), route)).rejects.toThrow(
      /staged streams only/,
    );
  });
});
