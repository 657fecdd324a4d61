/** The vmigrate configuration file: named host profiles. Documented in docs/configuration.md. */
import { z } from 'zod';

const oneOrMany = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => (Array.isArray(v) ? v : [v]));

const absolutePath = z
  .string()
  .regex(/^\/[^\0]*$/, 'must be an absolute path')
  .transform((p) => (p.length > 1 ? p.replace(/\/+$/, '') : p));

export const hostProfileSchema = z.strictObject({
  /** `[user@]host[:port]`, where host is a name, an address or an OpenSSH alias. Defaults to the profile name. */
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  identityFile: oneOrMany.optional(),
  /** Bastions, in order; each a profile name, an ssh alias or `user@host[:port]`. */
  jump: oneOrMany.optional(),
  /** Run every remote command through `sudo -n` (the login user is not root). */
  sudo: z.boolean().optional(),
  vpopmailDir: absolutePath.optional(),
  qmailDir: absolutePath.optional(),
  /** Allow the SHA-1 key exchanges, ssh-rsa/ssh-dss host keys and CBC ciphers of old servers. */
  legacyAlgorithms: z.boolean().optional(),
  knownHostsFile: z.string().min(1).optional(),
  /** Channels per SSH connection before another connection is opened (sshd's MaxSessions). */
  maxSessions: z.number().int().min(1).max(100).optional(),
  maxConnections: z.number().int().min(1).max(32).optional(),
  /**
   * The direct data path (`--data-path direct|auto`): how a source reaches this host's sshd,
   * `host[:port]`, when not as vmigrate does (another network, a jump host in between).
   */
  directAddress: z
    .string()
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?$/, 'must be host[:port]')
    .optional(),
  /** As a source on the direct path: the addresses this host's connections come from (NAT). */
  directFrom: oneOrMany.optional(),
});

export const configSchema = z.strictObject({
  hosts: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]+$/, 'profile names use letters, digits, ".", "_" and "-"'),
      hostProfileSchema,
    )
    .default({}),
});

export type HostProfile = z.infer<typeof hostProfileSchema>;
export type VmigrateConfig = z.infer<typeof configSchema>;
