/**
 * A file's exact state on a server, read through SFTP (a root login) or exec (a sudo login),
 * and replaced atomically only while it still holds what was read: how a cutover changes and
 * restores qmail's control files.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodeFor, outcomeOf } from '../../src/errors.js';
import type { HostSession } from '../../src/hosts/session.js';
import {
  ABSENT,
  ChangedMeanwhileError,
  readFileState,
  replaceFile,
  setDirMode,
} from '../../src/remote/file-state.js';
import type { Remote } from '../../src/remote/remote.js';
import { LAB_OPERATOR } from '../lab/lab.js';
import { lab, labSession, scratchConfig, writeProfile } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DIR = '/var/qmail/control/vmigrate-file-state-test';
const sessions: HostSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

/** The same login with SFTP hidden: every read goes through exec. */
const execOnly = (remote: Remote): Remote =>
  Object.assign(Object.create(remote) as Remote, { readFile: undefined });

describe('file state', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    await hosts.old.sh(`rm -rf ${DIR}`);
  });

  it('reads bytes, mode and owner alike through SFTP and through exec', async () => {
    const remote = hosts.old.remote;
    expect(remote.readFile).toBeDefined();
    await hosts.old.sh(`mkdir -p ${DIR} && cd ${DIR} &&
      printf 'a.example:a.example\\n\\377\\000odd\\n' > plain && chown 89:89 plain && chmod 640 plain &&
      ln -sf plain link && mkdir -p sticky && chmod 1700 sticky && : > empty`);
    const viaSftp = await readFileState(remote, `${DIR}/plain`, 'file');
    const viaExec = await readFileState(execOnly(remote), `${DIR}/plain`, 'file');
    expect(viaSftp).toEqual({
      exists: true,
      content: Buffer.from('a.example:a.example\n\xff\x00odd\n', 'latin1'),
      mode: '640',
      uid: 89,
      gid: 89,
    });
    expect(viaExec).toEqual(viaSftp);
    // An empty file (qmail's locals often is) is a file with no bytes, either way.
    const empty = await readFileState(remote, `${DIR}/empty`, 'file');
    expect(empty).toMatchObject({ exists: true, content: Buffer.alloc(0), uid: 0 });
    expect(await readFileState(execOnly(remote), `${DIR}/empty`, 'file')).toEqual(empty);
    for (const r of [remote, execOnly(remote)]) {
      expect(await readFileState(r, `${DIR}/none`, 'file')).toEqual(ABSENT);
      await expect(readFileState(r, `${DIR}/link`, 'file')).rejects.toThrow(/is a symbolic link/);
    }
    expect((await readFileState(remote, `${DIR}/sticky`, 'dir')).mode).toBe('1700');
  });

  it('replaces a file atomically, with the owner and mode asked, only while it holds what was read', async () => {
    const remote = hosts.old.remote;
    const path = `${DIR}/plain`;
    const was = await readFileState(remote, path, 'file');
    const next = { ...was, content: Buffer.from('b.example:b.example\n'), mode: '644', uid: 0, gid: 0 };
    await replaceFile(remote, path, was, next);
    expect(await readFileState(remote, path, 'file')).toEqual(next);
    // What was read is stale now: refused, the file as it is.
    await expect(replaceFile(remote, path, was, ABSENT)).rejects.toBeInstanceOf(ChangedMeanwhileError);
    // A precondition the operator settles (exit 5), not a defect of vmigrate (exit 70).
    expect(
      exitCodeFor(outcomeOf(await replaceFile(remote, path, was, ABSENT).catch((e: unknown) => e))),
    ).toBe(5);
    expect(await readFileState(remote, path, 'file')).toEqual(next);
    // Back to the old bytes, owner and mode; then gone; then created again.
    await replaceFile(remote, path, next, was);
    expect(await readFileState(remote, path, 'file')).toEqual(was);
    await replaceFile(remote, path, was, ABSENT);
    expect(await readFileState(remote, path, 'file')).toEqual(ABSENT);
    await replaceFile(remote, path, ABSENT, was);
    expect(await readFileState(remote, path, 'file')).toEqual(was);
    // No temporary file left behind.
    expect((await hosts.old.sh(`ls ${DIR}`)).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'empty',
      'link',
      'plain',
      'sticky',
    ]);
    await expect(setDirMode(remote, `${DIR}/sticky`, '700', '1700')).rejects.toBeInstanceOf(
      ChangedMeanwhileError,
    );
    await setDirMode(remote, `${DIR}/sticky`, '1700', '700');
    expect((await readFileState(remote, `${DIR}/sticky`, 'dir')).mode).toBe('700');
  });

  it('replaces nothing when the new content arrives cut (a controller killed while sending it)', async () => {
    const remote = hosts.old.remote;
    const path = `${DIR}/plain`;
    const was = await readFileState(remote, path, 'file');
    const next = { ...was, content: Buffer.from('c.example:c.example\n'.repeat(200)) };
    // The server sees what a dead controller leaves it: its stdin ends early, or at once.
    for (const keep of [next.content.length >> 1, 0]) {
      const cut = Object.assign(Object.create(remote) as Remote, {
        exec: (argv: Parameters<Remote['exec']>[0], o?: Parameters<Remote['exec']>[1]) =>
          remote.exec(argv, { ...o, stdin: (o?.stdin as Buffer).subarray(0, keep) }),
      });
      await expect(replaceFile(cut, path, was, next)).rejects.toThrow(/arrived incomplete/);
      expect(await readFileState(remote, path, 'file'), `${keep} bytes of ${next.content.length}`).toEqual(
        was,
      );
    }
    expect((await hosts.old.sh(`ls ${DIR}`)).stdout).not.toMatch(/vmigrate/);
    await replaceFile(remote, path, was, next);
    expect(await readFileState(remote, path, 'file')).toEqual(next);
    await replaceFile(remote, path, next, was);
  });

  it('reads and replaces root-only files through sudo, where SFTP would run as the login', async () => {
    const l = lab();
    const profile = writeProfile(scratchConfig('').dir, 'op', {
      host: `${LAB_OPERATOR.name}@${l.hosts.old.address}`,
      identityFile: l.client.key,
      knownHostsFile: l.client.knownHosts,
      sudo: true,
    });
    const session = labSession({ configFile: profile });
    sessions.push(session);
    const { remote } = await session.open('op');
    expect(remote.readFile).toBeUndefined();
    await hosts.old.sh(`printf 'secret\\n' > ${DIR}/rootonly && chmod 600 ${DIR}/rootonly`);
    const was = await readFileState(remote, `${DIR}/rootonly`, 'file');
    expect(was).toEqual({ exists: true, content: Buffer.from('secret\n'), mode: '600', uid: 0, gid: 0 });
    await replaceFile(remote, `${DIR}/rootonly`, was, { ...was, content: Buffer.from('changed\n') });
    expect((await hosts.old.sh(`cat ${DIR}/rootonly; stat -c '%a %u' ${DIR}/rootonly`)).stdout).toBe(
      'changed\n600 0\n',
    );
  });
});
