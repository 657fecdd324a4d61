/**
 * A domain of many small mailboxes, the shape of an ISP's or hosting company's: thousands of
 * users, most with a handful of small messages or none, a few folders. The users are made in
 * one Node process on the host with the emulator's own addUser (what every emulated vadduser
 * runs, without a process per user); the messages are written straight into the host's /home.
 */
import { chownSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Remote } from '../../src/remote/remote.js';
import type { LabHost } from './lab.js';
import { makeMessage, maildirName } from './fixtures/messages.js';
import { Random } from './fixtures/random.js';

export interface ManyMailboxes {
  domain: string;
  /** User name -> directory on the host. */
  dirs: Map<string, string>;
  messages: number;
  bytes: number;
  files: number;
}

export interface ManyMailboxesShape {
  /** Every user's quota (one for all: an ISP's default), or NOQUOTA. */
  quota?: string;
  /** Users with a clear-text password beside the hash (vpopmail's default build keeps one). */
  clearPasswords?: boolean;
  seed?: number;
}

const FOLDERS = ['', '.Sent', '.Trash', '.Drafts'];
const BASE_TIME = 1_700_000_000;

/** `count` users on `host`, made in one process; their directories. */
export async function manyUsersDomain(
  remote: Remote,
  host: LabHost,
  domain: string,
  count: number,
  shape: Pick<ManyMailboxesShape, 'quota' | 'clearPasswords'> = { clearPasswords: true },
): Promise<Map<string, string>> {
  const home = host.vpopmail!.home;
  await remote.run([
    'sh',
    '-c',
    `${home}/bin/vdeldomain -f ${domain} >/dev/null 2>&1; ${home}/bin/vadddomain ${domain} bench-pm-1234`,
  ]);
  const user = [
    `name: 'u' + String(i).padStart(5, '0')`,
    `password: 'bench-pw-' + i`,
    `gecos: 'Bench user ' + i`,
    ...(shape.clearPasswords === false ? [`encrypted: md5crypt('bench-pw-' + i, randomSalt())`] : []),
    ...(shape.quota ? [`quota: ${JSON.stringify(shape.quota)}`] : []),
  ].join(', ');
  const script = `
    const { lookupDomain } = await import('${home}/lib/emulator/domains.mjs');
    const { addUser } = await import('${home}/lib/emulator/users.mjs');
    const { md5crypt, randomSalt } = await import('${home}/lib/emulator/md5crypt.mjs');
    const d = lookupDomain('${domain}');
    for (let i = 1; i <= ${count}; i++) {
      const u = addUser(d, { ${user} });
      process.stdout.write(u.name + '\\t' + u.dir + '\\n');
    }
  `;
  const out = await remote.run(
    [
      'sh',
      '-c',
      `n=$(sed -n 's/.*"node": *"\\(.*\\)".*/\\1/p' ${home}/lib/emulator/emulator.json); "$n" --input-type=module -e "$1"`,
      'sh',
      script,
    ],
    { timeoutMs: 3_600_000 },
  );
  const dirs = new Map<string, string>();
  for (const line of out.stdout.toString().trim().split('\n')) {
    const [name, dir] = line.split('\t');
    if (name && dir) dirs.set(name, dir);
  }
  return dirs;
}

/** Directories and files written into a host's /home from outside, owned by vpopmail; files counted. */
export function hostFiles(host: LabHost) {
  const { uid, gid } = host.vpopmail!;
  let files = 0;
  return {
    mk: (p: string) => {
      mkdirSync(p, { recursive: true, mode: 0o700 });
      chownSync(p, uid, gid);
    },
    put: (p: string, data: Buffer | string, time: number) => {
      writeFileSync(p, data, { mode: 0o600 });
      chownSync(p, uid, gid);
      utimesSync(p, time, time);
      files += 1;
    },
    files: () => files,
  };
}

/** A Maildir folder's own directories, and for a subfolder (not INBOX) its maildirfolder file. */
export function makeFolder(
  host: ReturnType<typeof hostFiles>,
  dir: string,
  subfolder: boolean,
  time: number,
): void {
  for (const s of ['cur', 'new', 'tmp']) host.mk(join(dir, s));
  if (subfolder) host.put(join(dir, 'maildirfolder'), '', time);
}

/** The host's own view of a path under /home, from the outside (its overlay's upper layer). */
export function outside(host: LabHost, path: string): string {
  if (!path.startsWith('/home/')) throw new Error(`${path} is not under /home on ${host.name}`);
  return join(host.upper.home, path.slice('/home/'.length));
}

/**
 * `count` mailboxes of 0–6 messages of 1–40 KB each; a third of the users have a Sent folder,
 * a sixth Trash and Drafts too (each with its maildirfolder file).
 */
export async function manyMailboxesDomain(
  remote: Remote,
  host: LabHost,
  domain: string,
  count: number,
  shape: ManyMailboxesShape = {},
): Promise<ManyMailboxes> {
  const dirs = await manyUsersDomain(remote, host, domain, count, shape);
  const rnd = new Random(shape.seed ?? 17);
  const files = hostFiles(host);
  let messages = 0;
  let bytes = 0;
  let seq = 0;
  for (const [user, dir] of dirs) {
    const maildir = outside(host, `${dir}/Maildir`);
    const kind = rnd.int(0, 5);
    const folders = kind === 0 ? FOLDERS : kind <= 2 ? FOLDERS.slice(0, 2) : FOLDERS.slice(0, 1);
    for (const folder of folders) {
      const fdir = join(maildir, folder);
      makeFolder(files, fdir, folder !== '', BASE_TIME);
      const n = folder === '' ? rnd.int(0, 6) : rnd.int(0, 2);
      for (let i = 0; i < n; i++) {
        const time = BASE_TIME + seq * 7;
        const content = makeMessage(rnd, {
          id: `${domain}/${user}/${folder}/${i}`,
          from: `sender${i}@example.net`,
          to: `${user}@${domain}`,
          size: rnd.int(1000, 40_000),
          time,
        });
        const isNew = rnd.next() < 0.2;
        const name = maildirName(
          rnd,
          time,
          content.length,
          seq++,
          isNew ? undefined : rnd.pick(['S', 'RS', '']),
        );
        files.put(join(fdir, isNew ? 'new' : 'cur', name), content, time);
        messages += 1;
        bytes += content.length;
      }
    }
  }
  return { domain, dirs, messages, bytes, files: files.files() };
}
