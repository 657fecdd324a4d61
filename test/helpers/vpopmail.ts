/** Running the lab hosts' vpopmail and qmail programs over SSH, as vmigrate will. */
import { afterAll, beforeAll } from 'vitest';
import type { Remote } from '../../src/remote/remote.js';
import type { LabHostName } from '../lab/hosts.js';
import { lab, labSession } from './lab-session.js';

export interface Ran {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface LabMailHost {
  remote: Remote;
  home: string;
  uid: number;
  gid: number;
  qmail: string;
  /** Runs a program of ~vpopmail/bin (or qmail's bin, for names starting with qmail-). */
  vp(program: string, ...args: string[]): Promise<Ran>;
  /** Runs a shell script on the host. */
  sh(script: string): Promise<Ran>;
  close(): Promise<void>;
}

export async function mailHost(name: LabHostName): Promise<LabMailHost> {
  const session = labSession();
  const { remote } = await session.open(name);
  const h = lab().hosts[name];
  if (!h.vpopmail || !h.qmailDir) throw new Error(`${name} has no vpopmail`);
  const qmail = h.qmailDir;
  const { home, uid, gid } = h.vpopmail;
  const toRan = (r: { stdout: Buffer; stderr: string; code: number | null }): Ran => ({
    stdout: r.stdout.toString(),
    stderr: r.stderr,
    code: r.code,
  });
  return {
    remote,
    home,
    uid,
    gid,
    qmail,
    vp: async (program, ...args) =>
      toRan(await remote.exec([`${program.startsWith('qmail-') ? qmail : home}/bin/${program}`, ...args])),
    sh: async (script) => toRan(await remote.exec(['sh', '-s'], { stdin: script })),
    close: () => session.close(),
  };
}

/** Both lab mail hosts for a describe block (or a file): connected before, closed after. */
export function useMailHosts(): { old: LabMailHost; new: LabMailHost } {
  const hosts = {} as { old: LabMailHost; new: LabMailHost };
  beforeAll(async () => {
    hosts.old = await mailHost('old');
    hosts.new = await mailHost('new');
  });
  afterAll(async () => {
    await hosts.old.close();
    await hosts.new.close();
  });
  return hosts;
}
