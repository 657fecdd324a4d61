/** Running the lab hosts' vpopmail and qmail programs over SSH, as vmigrate will. */
import { afterAll, beforeAll, expect } from 'vitest';
import type { Remote } from '../../src/remote/remote.js';
import type { LabHostName } from '../lab/hosts.js';
import { verifyChecksums } from './lab-cli.js';
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

/**
 * Every file under the host's vpopmail home and qmail tree: type, mode, owner, size, mtime,
 * symlink target and SHA-256. Left out: qmail's queue and the emulated qmail-send's own logs
 * (the mail daemon, not vmigrate, writes there).
 */
export async function treeSnapshot(h: LabMailHost): Promise<string> {
  const r = await h.sh(
    [
      `for t in ${h.home} ${h.qmail}; do`,
      `  find "$t" \\( -path ${h.qmail}/queue -o -path ${h.qmail}/emulator \\) -prune -o -printf '%y %m %U %G %s %T@ %p %l\\n'`,
      `  find "$t" \\( -path ${h.qmail}/queue -o -path ${h.qmail}/emulator \\) -prune -o -type f -exec sha256sum {} +`,
      'done | sort',
    ].join('\n'),
  );
  expect(r.code).toBe(0);
  return r.stdout;
}

/**
 * treeSnapshot but for the vpopmail home's mtime: a move takes the destination's lock there
 * before it reads either host and releases it, and that mtime is the one trace it leaves.
 */
export async function snapshotAsideFromLock(h: LabMailHost): Promise<string> {
  const homeLine = new RegExp(`^(d \\S+ \\S+ \\S+ \\S+) \\S+ (${h.home} )$`);
  return (await treeSnapshot(h))
    .split('\n')
    .map((l) => l.replace(homeLine, '$1 - $2'))
    .sort()
    .join('\n');
}

/** Messages whose unique name appears twice in one folder of the destination (new/ and cur/ alike). */
export async function duplicateMessages(h: LabMailHost, domain: string): Promise<string> {
  const r = await h.sh(
    `d=$(${h.home}/bin/vdominfo -d ${domain} | head -n 1); ` +
      `find "$d" -type f \\( -path '*/Maildir/cur/*' -o -path '*/Maildir/new/*' -o -path '*/Maildir/.*/cur/*' -o -path '*/Maildir/.*/new/*' \\) ` +
      `| sed -e 's/:2,.*$//' -e 's#/\\(cur\\|new\\)/#/#' | sort | uniq -d`,
  );
  return r.stdout.trim();
}

/**
 * The domain as the destination has it is an exact copy: `verify --checksum` (as a child
 * process, so that a fault proxy in the test's process keeps running) finds no difference, and
 * no message is there twice.
 */
export async function expectExactCopy(
  dest: LabMailHost,
  domain: string,
  profiles: { from: string; to: string },
  options: { state: string; config?: string | undefined },
): Promise<void> {
  const v = await verifyChecksums(domain, profiles, options);
  expect(v.code, v.out).toBe(0);
  expect(v.problems, v.out).toBe(0);
  expect(await duplicateMessages(dest, domain)).toBe('');
}

/** Removes `domain` from the destination (if there) now; for a test's start and its end. */
export async function dropFromNew(hosts: { new: LabMailHost }, domain: string): Promise<void> {
  await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${domain} >/dev/null 2>&1; true`);
}

/** A domain of the test's own on `h`, with these users (each with a throwaway password). */
export async function addDomainWithUsers(
  h: LabMailHost,
  domain: string,
  users: readonly string[],
): Promise<void> {
  const ok = (r: Ran) => expect(r.code, r.stdout + r.stderr).toBe(0);
  ok(await h.vp('vadddomain', domain, 'pw-test-12345'));
  for (const u of users) ok(await h.vp('vadduser', `${u}@${domain}`, 'pw-test-12345'));
}
