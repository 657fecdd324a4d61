/** Everything needed to reach one server, after every configuration source has been applied. */
export interface HostSpec {
  /** What the operator typed (profile, alias or user@host): used in every message. */
  label: string;
  hostname: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** ssh-agent socket; undefined means $SSH_AUTH_SOCK. */
  identityAgent: string | undefined;
  /** Bastions to pass through, first one reached directly. */
  jump: HostSpec[];
  sudo: boolean;
  vpopmailDir: string | undefined;
  qmailDir: string | undefined;
  /** Where a source reaches this host on the direct data path (profile directAddress). */
  directAddress?: string | undefined;
  /** The addresses this host connects from as a source of the direct path (profile directFrom). */
  directFrom?: string[] | undefined;
  legacyAlgorithms: boolean;
  knownHostsFiles: string[];
  hashKnownHosts: boolean;
  /** The name looked up in known_hosts instead of the hostname (OpenSSH HostKeyAlias). */
  hostKeyAlias: string | undefined;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  maxSessions: number;
  maxConnections: number;
}

export const HOST_DEFAULTS = {
  connectTimeoutMs: 20_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 4,
  // OpenSSH's MaxSessions default; a server that allows fewer is detected at run time.
  maxSessions: 10,
  maxConnections: 8,
} as const;
