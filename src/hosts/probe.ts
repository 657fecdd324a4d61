/**
 * The capability probe: what a server offers, in one read-only round trip. It also proves that
 * the login shell writes nothing of its own to stdout, which would corrupt every tar stream.
 */
import { readFileSync } from 'node:fs';
import { PreconditionError } from '../errors.js';
import type { Remote } from '../remote/remote.js';

const SCRIPT = readFileSync(new URL('./probe-script.sh', import.meta.url), 'utf8');
const BEGIN = 'VMIGRATE-PROBE-BEGIN\n';
const END = 'VMIGRATE-PROBE-END';

export const OPTIONAL_PROGRAMS = [
  'gzip',
  'zstd',
  'sha256sum',
  'rsync',
  'autorespond',
  'qmail-autoresponder',
  'ezmlm-make',
  'ezmlm-send',
] as const;
export type OptionalProgram = (typeof OPTIONAL_PROGRAMS)[number];

export type VpopmailBackend = 'cdb' | 'mysql' | 'other';

export interface Capabilities {
  os: string;
  osRelease: string;
  hostname: string;
  loginUid: number | undefined;
  tar: { version: string; gnu: boolean };
  find: { version: string; gnu: boolean };
  vpopmail:
    | {
        dir: string;
        bin: string | undefined;
        version: string | undefined;
        /** Where users live: vpasswd files (cdb), MySQL tables, or another module vmigrate cannot read. */
        backend: VpopmailBackend | undefined;
        /**
         * Built with --enable-valias: aliases are rows of the valias table (MySQL), which
         * vdelivermail reads before mailboxes. Undefined when the build's config.h is absent.
         */
        valias: boolean | undefined;
        /** Built with --enable-mysql-limits: domain limits are rows of the limits table. */
        mysqlLimits: boolean | undefined;
        uid: number | undefined;
        gid: number | undefined;
      }
    | undefined;
  qmail: { dir: string; present: boolean };
  programs: Record<OptionalProgram, string | undefined>;
  diskFreeBytes: number | undefined;
  inodesFree: number | undefined;
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v === '' || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

function yesNo(v: string | undefined): boolean | undefined {
  return v === undefined ? undefined : v === 'yes';
}

function backendOf(v: string | undefined): VpopmailBackend | undefined {
  return v === 'cdb' || v === 'mysql' || v === 'other' ? v : undefined;
}

/** Parse the probe output. Throws when the login shell printed something first. */
export function parseProbe(stdout: string, host: string): Capabilities {
  const at = stdout.indexOf(BEGIN);
  if (at !== 0) {
    const noise = at > 0 ? stdout.slice(0, at) : stdout.slice(0, 200);
    throw new PreconditionError(
      `the login shell on ${host} prints text before every command (${JSON.stringify(noise.slice(0, 200))}), which would corrupt transfers`,
      {
        host,
        hint: 'make the rc files of the login user (~/.bashrc, ~/.profile, /etc/bash.bashrc) silent for non-interactive shells',
      },
    );
  }
  const body = stdout.slice(BEGIN.length);
  if (!body.includes(END)) throw new PreconditionError(`the probe on ${host} did not complete`, { host });
  const kv = new Map<string, string>();
  for (const line of body.slice(0, body.indexOf(END)).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (k: string) => {
    const v = kv.get(k);
    return v === undefined || v === '' ? undefined : v;
  };
  const tar = get('tar') ?? '';
  const find = get('find') ?? '';
  const vdir = get('vpopmail_dir');
  const programs = Object.fromEntries(
    OPTIONAL_PROGRAMS.map((p) => [p, get(`prog.${p}`)]),
  ) as Capabilities['programs'];
  const kb = num(get('disk_free_kb'));
  return {
    os: get('os') ?? 'unknown',
    osRelease: get('os_release') ?? '',
    hostname: get('hostname') ?? '',
    loginUid: num(get('login_uid')),
    tar: { version: tar, gnu: /GNU tar/.test(tar) },
    find: { version: find, gnu: /GNU findutils/.test(find) },
    vpopmail: vdir
      ? {
          dir: vdir,
          bin: get('vpopmail_bin'),
          version: get('vpopmail_version'),
          backend: backendOf(get('vpopmail_backend')),
          valias: yesNo(get('vpopmail_valias')),
          mysqlLimits: yesNo(get('vpopmail_mysql_limits')),
          uid: num(get('vpopmail_uid')),
          gid: num(get('vpopmail_gid')),
        }
      : undefined,
    qmail: { dir: get('qmail_dir') ?? '/var/qmail', present: get('qmail_control') === 'yes' },
    programs,
    diskFreeBytes: kb === undefined ? undefined : kb * 1024,
    inodesFree: num(get('inodes_free')),
  };
}

export async function probe(
  remote: Remote,
  dirs: { vpopmailDir?: string; qmailDir?: string } = {},
): Promise<Capabilities> {
  const result = await remote.run(['sh', '-s', '--', dirs.vpopmailDir ?? '', dirs.qmailDir ?? ''], {
    stdin: SCRIPT,
    timeoutMs: 60_000,
  });
  return parseProbe(result.stdout.toString('utf8'), remote.label);
}

/** What vmigrate cannot work without, as a list of problems (empty when the host is fit). */
export function missingRequirements(c: Capabilities, role: 'vpopmail' | 'system' = 'vpopmail'): string[] {
  const problems: string[] = [];
  if (!c.tar.gnu) problems.push(`GNU tar is required (found: ${c.tar.version || 'no tar'})`);
  if (!c.find.gnu) problems.push(`GNU find is required (found: ${c.find.version || 'no find'})`);
  // A source of system accounts (--from-system) needs qmail, not vpopmail.
  if (role === 'system') return [...problems, ...qmailAndLogin(c)];
  if (!c.vpopmail) problems.push('no vpopmail user or directory found');
  else if (!c.vpopmail.bin) problems.push(`no vpopmail programs in ${c.vpopmail.dir}/bin`);
  else if (c.vpopmail.backend === 'other')
    problems.push(
      `vpopmail in ${c.vpopmail.dir} keeps its users neither in vpasswd files (cdb) nor in MySQL (no etc/vpopmail.mysql): vmigrate reads only those two`,
    );
  return [...problems, ...qmailAndLogin(c)];
}

function qmailAndLogin(c: Capabilities): string[] {
  const problems: string[] = [];
  if (!c.qmail.present) problems.push(`no qmail control directory in ${c.qmail.dir}`);
  // Commands run as the login, or as root through sudo: only root reads every Maildir and
  // runs vpopmail's commands as vpopmail does.
  if (c.loginUid !== undefined && c.loginUid !== 0)
    problems.push(
      `commands run as uid ${c.loginUid}, not root: log in as root, or set "sudo: true" in the host's profile for a login with password-less sudo`,
    );
  return problems;
}
