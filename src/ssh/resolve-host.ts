/**
 * Turning `--from`/`--to` into a HostSpec. In order: a profile of the vmigrate configuration;
 * otherwise `[user@]host[:port]`, where `host` may be an alias of the OpenSSH client
 * configuration. Either way the OpenSSH configuration for the host is applied (as `ssh` itself
 * would), and explicit values win over it.
 */
import { resolve as resolvePath } from 'node:path';
import { homedir } from 'node:os';
import { UsageError } from '../errors.js';
import type { HostProfile, VmigrateConfig } from '../config/schema.js';
import { HOST_DEFAULTS, type HostSpec } from './host-spec.js';
import type { SshConfigResolver } from './ssh-config.js';

export interface Target {
  user: string | undefined;
  host: string;
  port: number | undefined;
}

const HOST_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const USER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Parse `[user@]host[:port]`, with `[v6addr]` for IPv6. Refuses anything a shell or ssh would misread. */
export function parseTarget(text: string): Target {
  const m = /^(?:([^@]+)@)?(\[[0-9A-Fa-f:.]+\]|[^:@[\]]+)(?::(\d+))?$/.exec(text);
  if (!m?.[2])
    throw new UsageError(
      `"${text}" is not a host: expected a profile name, an ssh alias or user@host[:port]`,
    );
  const [, user, rawHost, rawPort] = m;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (!rawHost.startsWith('[') && !HOST_RE.test(host))
    throw new UsageError(`"${host}" is not a valid host name`);
  if (user !== undefined && !USER_RE.test(user)) throw new UsageError(`"${user}" is not a valid login name`);
  let port: number | undefined;
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new UsageError(`port ${rawPort} is out of range`);
  }
  return { user, host, port };
}

export interface ResolveContext {
  config: VmigrateConfig;
  ssh: SshConfigResolver;
}

function expandHome(p: string): string {
  return resolvePath(p.startsWith('~/') ? homedir() + p.slice(1) : p);
}

export async function resolveHost(arg: string, ctx: ResolveContext, depth = 0): Promise<HostSpec> {
  if (depth > 8) throw new UsageError(`jump host chain through "${arg}" is too long or loops`);
  const profile: HostProfile | undefined = Object.hasOwn(ctx.config.hosts, arg)
    ? ctx.config.hosts[arg]
    : undefined;
  let target = parseTarget(profile?.host ?? arg);
  if (profile)
    target = { host: target.host, user: profile.user ?? target.user, port: profile.port ?? target.port };
  const ssh = await ctx.ssh.resolve({ host: target.host, user: target.user, port: target.port });
  if (ssh.proxyCommand) {
    throw new UsageError(
      `host "${arg}" uses ProxyCommand in the OpenSSH configuration, which vmigrate does not run`,
      {
        hint: 'use ProxyJump (or "jump:" in the vmigrate profile) instead',
      },
    );
  }
  const jumpArgs = profile?.jump ?? (ssh.proxyJump ? ssh.proxyJump.split(',').map((s) => s.trim()) : []);
  const jump: HostSpec[] = [];
  for (const j of jumpArgs) {
    const spec = await resolveHost(j, ctx, depth + 1);
    // Bastions of a bastion come first: the chain is flattened in connection order.
    jump.push(...spec.jump, { ...spec, jump: [] });
  }
  return {
    label: arg,
    hostname: ssh.hostname,
    port: ssh.port,
    user: ssh.user,
    identityFiles: profile?.identityFile ? profile.identityFile.map(expandHome) : ssh.identityFiles,
    identitiesOnly: ssh.identitiesOnly,
    identityAgent: ssh.identityAgent,
    jump,
    sudo: profile?.sudo ?? false,
    vpopmailDir: profile?.vpopmailDir,
    qmailDir: profile?.qmailDir,
    directAddress: profile?.directAddress,
    directFrom: profile?.directFrom,
    legacyAlgorithms: profile?.legacyAlgorithms ?? false,
    knownHostsFiles: profile?.knownHostsFile ? [expandHome(profile.knownHostsFile)] : ssh.userKnownHostsFiles,
    hashKnownHosts: ssh.hashKnownHosts,
    hostKeyAlias: ssh.hostKeyAlias,
    connectTimeoutMs: ssh.connectTimeoutSeconds
      ? ssh.connectTimeoutSeconds * 1000
      : HOST_DEFAULTS.connectTimeoutMs,
    keepaliveIntervalMs: ssh.serverAliveIntervalSeconds
      ? ssh.serverAliveIntervalSeconds * 1000
      : HOST_DEFAULTS.keepaliveIntervalMs,
    keepaliveCountMax: ssh.serverAliveCountMax ?? HOST_DEFAULTS.keepaliveCountMax,
    maxSessions: profile?.maxSessions ?? HOST_DEFAULTS.maxSessions,
    maxConnections: profile?.maxConnections ?? HOST_DEFAULTS.maxConnections,
  };
}
