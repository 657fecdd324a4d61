/**
 * Reproducible benchmark corpora on the lab's old host, written straight into its private
 * /home layer (the domain and users themselves are made by vpopmail's commands first):
 *
 * - `mixed`: a few users with many folders; message sizes mostly 2–50 KB with a tail to
 *   several MB (text bodies, base64 attachments), Courier and Dovecot metadata per folder;
 * - `small`: tens of thousands of 1–4 KB messages;
 * - `users`: a domain of thousands of users (for inventory and provisioning), made in one
 *   process with the emulator's own code on the host.
 */
import { join } from 'node:path';
import type { Remote } from '../src/remote/remote.js';
import { Random } from '../test/lab/fixtures/random.js';
import { maildirName } from '../test/lab/fixtures/messages.js';
import type { LabHost } from '../test/lab/lab.js';
import { hostFiles, makeFolder, manyUsersDomain, outside } from '../test/lab/many-mailboxes.js';

export interface Corpus {
  domain: string;
  users: string[];
  /** User name -> directory on the host. */
  dirs: Map<string, string>;
  messages: number;
  bytes: number;
  files: number;
}

const FOLDERS = ['', '.Sent', '.Trash', '.Drafts', '.Archive', '.Archive.2023', '.Archive.2024', '.Projects'];
const BASE_TIME = 1_700_000_000;

/** An 8 MiB pool of seeded base64: attachments are slices of it, so generation is fast and repeatable. */
function base64Pool(seed: number): string {
  const rnd = new Random(seed);
  const bytes = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE(Math.floor(rnd.next() * 2 ** 32), i);
  return bytes.toString('base64');
}

const WORDS =
  'the meeting invoice project report schedule budget draft review update server migration backup contract delivery agenda minutes please regards thanks attached'.split(
    ' ',
  );

function message(rnd: Random, pool: string, size: number, id: string): Buffer {
  const head =
    `From: sender${rnd.int(1, 500)}@example.net\nTo: ${id.split('/')[0] ?? 'user'}@bench.example\n` +
    `Subject: ${rnd.pick(WORDS)} ${rnd.pick(WORDS)} ${rnd.int(1, 9999)}\n` +
    `Date: ${new Date((BASE_TIME + rnd.int(0, 3e7)) * 1000).toUTCString()}\nMessage-ID: <${id.replaceAll('/', '.')}@bench>\n` +
    'MIME-Version: 1.0\n';
  const textSize = Math.min(size, rnd.int(800, 6000));
  const words: string[] = [];
  let n = head.length;
  while (n < textSize) {
    const w = rnd.pick(WORDS);
    words.push(w);
    n += w.length + 1;
  }
  let body = words.join(' ').replace(/(.{1,72})( |$)/g, '$1\n');
  if (size > textSize + 200) {
    const len = size - textSize;
    const at = rnd.int(0, Math.max(0, pool.length - len - 1));
    body += `\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${pool
      .slice(at, at + len)
      .replace(/(.{76})/g, '$1\n')}\n--b--\n`;
  }
  return Buffer.from(head + '\n' + body);
}

/** Mostly 2–50 KB, some to 500 KB, a few 1–5 MB: the size shape of real mailboxes. */
function mixedSize(rnd: Random): number {
  const r = rnd.next();
  if (r < 0.85) return rnd.int(2_000, 50_000);
  if (r < 0.98) return rnd.int(50_000, 500_000);
  return rnd.int(1_000_000, 5_000_000);
}

/** Where a host path lives on the lab machine (the host's private /home layer). */
async function makeDomain(
  remote: Remote,
  host: LabHost,
  domain: string,
  users: string[],
): Promise<Map<string, string>> {
  const bin = `${host.vpopmail!.home}/bin`;
  const script = [
    `${bin}/vdeldomain -f ${domain} >/dev/null 2>&1 || true`,
    `${bin}/vadddomain ${domain} bench-pm-1234 >/dev/null`,
    ...users.map((u) => `${bin}/vadduser -c 'Bench ${u}' ${u}@${domain} bench-${u}-1234 >/dev/null`),
    `${bin}/vuserinfo -n -d -D ${domain}`,
  ].join('\n');
  return parseUserDirs(
    (await remote.run(['sh', '-s'], { stdin: `set -e\n${script}\n`, timeoutMs: 600_000 })).stdout.toString(),
  );
}

/** `vuserinfo -n -d -D domain`: name and directory lines, user after user. */
export function parseUserDirs(text: string): Map<string, string> {
  const out = text.trim().split('\n');
  const dirs = new Map<string, string>();
  for (let i = 0; i + 1 < out.length; i += 2) dirs.set(out[i]!, out[i + 1]!);
  return dirs;
}

function writeMaildirs(
  host: LabHost,
  dirs: Map<string, string>,
  plan: (user: string, folder: string) => number[],
  rnd: Random,
  pool: string,
): Omit<Corpus, 'domain' | 'users' | 'dirs'> {
  const files = hostFiles(host);
  const { put } = files;
  let messages = 0;
  let bytes = 0;
  let seq = 0;
  for (const [user, dir] of dirs) {
    const maildir = outside(host, `${dir}/Maildir`);
    for (const folder of FOLDERS) {
      const sizes = plan(user, folder);
      if (sizes.length === 0 && folder !== '') continue;
      const fdir = join(maildir, folder);
      makeFolder(files, fdir, folder !== '', BASE_TIME);
      const uids: string[] = [];
      sizes.forEach((size, i) => {
        const time = BASE_TIME + seq * 7;
        const content = message(rnd, pool, size, `${user}/${folder}/${i}`);
        const isNew = rnd.next() < 0.05;
        const name = maildirName(
          rnd,
          time,
          content.length,
          seq++,
          isNew ? undefined : rnd.pick(['S', 'RS', '', 'FS']),
        );
        put(join(fdir, isNew ? 'new' : 'cur', name), content, time);
        uids.push(`${i + 1} ${name.split(':')[0] ?? name}`);
        messages++;
        bytes += content.length;
      });
      // Both IMAP servers' state, as a server that ran each at some point would have.
      put(
        join(fdir, 'courierimapuiddb'),
        `1 ${BASE_TIME} ${sizes.length + 1}\n${uids.join('\n')}\n`,
        BASE_TIME,
      );
      put(
        join(fdir, 'dovecot-uidlist'),
        `3 V${BASE_TIME} N${sizes.length + 1}\n${uids.join('\n')}\n`,
        BASE_TIME,
      );
    }
  }
  return { messages, bytes, files: files.files() };
}

/** `mixed`: `users` users, about `megabytes` MB in all. */
export async function mixedCorpus(
  remote: Remote,
  host: LabHost,
  megabytes: number,
  users = 8,
): Promise<Corpus> {
  const domain = 'bench-mixed.example';
  const names = Array.from({ length: users }, (_, i) => `user${i + 1}`);
  const dirs = await makeDomain(remote, host, domain, names);
  const rnd = new Random(42);
  const pool = base64Pool(42);
  const perFolder = (megabytes * 1e6) / (users * FOLDERS.length);
  const stats = writeMaildirs(
    host,
    dirs,
    () => {
      const sizes: number[] = [];
      let total = 0;
      while (total < perFolder) {
        const s = mixedSize(rnd);
        sizes.push(s);
        total += s;
      }
      return sizes;
    },
    rnd,
    pool,
  );
  return { domain, users: names, dirs, ...stats };
}

/** `small`: `count` messages of 1–4 KB over 4 users' INBOX and Archive folders. */
export async function smallCorpus(remote: Remote, host: LabHost, count: number): Promise<Corpus> {
  const domain = 'bench-small.example';
  const names = ['s1', 's2', 's3', 's4'];
  const dirs = await makeDomain(remote, host, domain, names);
  const rnd = new Random(7);
  const each = Math.ceil(count / (names.length * 2));
  const stats = writeMaildirs(
    host,
    dirs,
    (_u, folder) =>
      folder === '' || folder === '.Archive' ? Array.from({ length: each }, () => rnd.int(1000, 4000)) : [],
    rnd,
    '',
  );
  return { domain, users: names, dirs, ...stats };
}

export { manyUsersDomain };
