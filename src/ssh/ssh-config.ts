/**
 * Resolving a `Host` alias from the operator's OpenSSH client configuration.
 *
 * Where the OpenSSH client is installed, `ssh -G` is asked: it is the only resolver that is
 * exactly OpenSSH (Match blocks, Include, canonicalisation, system-wide defaults). Without it,
 * the `ssh-config` library computes the same settings from the files, with Include expanded here.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import SSHConfig from 'ssh-config';
import { UsageError } from '../errors.js';

const execFileAsync = promisify(execFile);

/** The subset of the resolved client configuration that vmigrate honours. */
export interface SshResolved {
  hostname: string;
  user: string;
  port: number;
  identityFiles: string[];
  identitiesOnly: boolean;
  identityAgent: string | undefined;
  proxyJump: string | undefined;
  userKnownHostsFiles: string[];
  hashKnownHosts: boolean;
  hostKeyAlias: string | undefined;
  connectTimeoutSeconds: number | undefined;
  serverAliveIntervalSeconds: number | undefined;
  serverAliveCountMax: number | undefined;
  proxyCommand: string | undefined;
}

export interface ResolveQuery {
  host: string;
  user?: string | undefined;
  port?: number | undefined;
}

export interface SshConfigResolver {
  readonly kind: 'openssh' | 'library';
  resolve(query: ResolveQuery): Promise<SshResolved>;
}

const DEFAULT_IDENTITIES = [
  'id_rsa',
  'id_ecdsa',
  'id_ecdsa_sk',
  'id_ed25519',
  'id_ed25519_sk',
  'id_xmss',
  'id_dsa',
];

type Settings = Map<string, string[]>;

function first(settings: Settings, key: string): string | undefined {
  const v = settings.get(key)?.[0];
  return v === undefined || v === 'none' ? undefined : v;
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Expand `~` and the percent tokens OpenSSH expands in IdentityFile and friends. */
export function expandTokens(
  value: string,
  ctx: { host: string; user: string; port: number; original: string },
) {
  const home = homedir();
  let out = value.startsWith('~/') || value === '~' ? home + value.slice(1) : value;
  out = out.replace(/%([%dhrupnlL])/g, (_m, t: string) => {
    switch (t) {
      case '%':
        return '%';
      case 'd':
        return home;
      case 'h':
        return ctx.host;
      case 'r':
        return ctx.user;
      case 'p':
        return String(ctx.port);
      case 'n':
        return ctx.original;
      case 'u':
        return userInfo().username;
      default:
        return `%${t}`;
    }
  });
  return out;
}

function toResolved(settings: Settings, query: ResolveQuery): SshResolved {
  const hostname = first(settings, 'hostname') ?? query.host;
  const user = query.user ?? first(settings, 'user') ?? userInfo().username;
  const port = query.port ?? Number(first(settings, 'port') ?? 22);
  const ctx = { host: hostname, user, port, original: query.host };
  const identityFiles = (settings.get('identityfile') ?? [])
    .filter((f) => f !== 'none')
    .map((f) => resolve(expandTokens(f, ctx)));
  const knownHosts = (settings.get('userknownhostsfile') ?? [])
    .flatMap((v) => v.split(/\s+/))
    .filter((f) => f !== '' && f !== 'none')
    .map((f) => resolve(expandTokens(f, ctx)));
  const agent = first(settings, 'identityagent');
  return {
    hostname: expandTokens(hostname, ctx),
    user,
    port,
    identityFiles: [...new Set(identityFiles)],
    identitiesOnly: first(settings, 'identitiesonly') === 'yes',
    identityAgent: agent === 'SSH_AUTH_SOCK' ? undefined : agent && expandTokens(agent, ctx),
    proxyJump: first(settings, 'proxyjump'),
    userKnownHostsFiles: knownHosts,
    hashKnownHosts: first(settings, 'hashknownhosts') === 'yes',
    hostKeyAlias: first(settings, 'hostkeyalias'),
    connectTimeoutSeconds: seconds(first(settings, 'connecttimeout')),
    serverAliveIntervalSeconds: seconds(first(settings, 'serveraliveinterval')),
    serverAliveCountMax: seconds(first(settings, 'serveralivecountmax')),
    proxyCommand: first(settings, 'proxycommand'),
  };
}

/** Parse `ssh -G` output: one `key value` per line, keys lowercase, repeated keys accumulate. */
export function parseSshG(output: string): Settings {
  const settings: Settings = new Map();
  for (const line of output.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    const key = m[1].toLowerCase();
    settings.set(key, [...(settings.get(key) ?? []), m[2]]);
  }
  return settings;
}

export class OpenSshResolver implements SshConfigResolver {
  readonly kind = 'openssh' as const;
  constructor(
    private readonly configFile: string | undefined,
    private readonly sshBinary = 'ssh',
  ) {}

  async resolve(query: ResolveQuery): Promise<SshResolved> {
    const args = ['-G'];
    if (this.configFile) args.push('-F', this.configFile);
    if (query.user) args.push('-l', query.user);
    if (query.port) args.push('-p', String(query.port));
    // `--` keeps a host that starts with a dash from being read as an option.
    args.push('--', query.host);
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync(this.sshBinary, args, { timeout: 15_000, maxBuffer: 1 << 20 }));
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new UsageError(
        `cannot resolve host "${query.host}" with the OpenSSH configuration: ${stderr || String(err)}`,
        {
          hint: 'check ~/.ssh/config (or the file given with --ssh-config) with `ssh -G <host>`',
        },
      );
    }
    return toResolved(parseSshG(stdout), query);
  }
}

/** Inline `Include` directives (relative paths are taken from ~/.ssh, as OpenSSH does). */
export function expandIncludes(file: string, depth = 0): string {
  if (depth > 16) throw new UsageError(`too many nested Include directives in ${file}`);
  const text = readFileSync(file, 'utf8');
  return text
    .split('\n')
    .map((line) => {
      const m = /^\s*include\s+(.+?)\s*$/i.exec(line);
      if (!m?.[1]) return line;
      return m[1]
        .split(/\s+/)
        .flatMap((pattern) => globFiles(pattern))
        .map((f) => expandIncludes(f, depth + 1))
        .join('\n');
    })
    .join('\n');
}

function globFiles(pattern: string): string[] {
  let p = pattern.replace(/^"(.*)"$/, '$1');
  if (p.startsWith('~/')) p = homedir() + p.slice(1);
  if (!isAbsolute(p)) p = join(homedir(), '.ssh', p);
  const dir = dirname(p);
  const name = basename(p);
  if (!/[*?]/.test(name)) return existsSync(p) ? [p] : [];
  if (!existsSync(dir)) return [];
  const re = new RegExp(
    '^' +
      name
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.') +
      '$',
  );
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export class LibraryResolver implements SshConfigResolver {
  readonly kind = 'library' as const;
  constructor(private readonly configFile: string | undefined) {}

  resolve(query: ResolveQuery): Promise<SshResolved> {
    const file = this.configFile ?? join(homedir(), '.ssh', 'config');
    const text = existsSync(file) ? expandIncludes(file) : '';
    const computed = SSHConfig.parse(text).compute(
      { Host: query.host, ...(query.user ? { User: query.user } : {}) },
      { ignoreCase: true, matchExec: false },
    );
    const settings: Settings = new Map();
    for (const [k, v] of Object.entries(computed)) {
      settings.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
    }
    if (!settings.has('identityfile')) {
      settings.set(
        'identityfile',
        DEFAULT_IDENTITIES.map((f) => `~/.ssh/${f}`),
      );
    }
    if (!settings.has('userknownhostsfile')) {
      settings.set('userknownhostsfile', ['~/.ssh/known_hosts ~/.ssh/known_hosts2']);
    }
    return Promise.resolve(toResolved(settings, query));
  }
}

/** Pick `ssh -G` when an OpenSSH client is on PATH, the library otherwise. */
export async function defaultResolver(configFile: string | undefined): Promise<SshConfigResolver> {
  try {
    await execFileAsync('ssh', ['-V'], { timeout: 5_000 });
    return new OpenSshResolver(configFile);
  } catch {
    return new LibraryResolver(configFile);
  }
}
