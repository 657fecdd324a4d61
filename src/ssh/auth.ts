/**
 * Authentication methods, in OpenSSH's order: the agent's keys first (unless IdentitiesOnly),
 * then each identity file that exists. An encrypted key is decrypted with a passphrase from
 * VMIGRATE_SSH_PASSPHRASE or a prompt on a TTY; without either it is skipped, and if nothing
 * else works the error says exactly that.
 */
import { existsSync, readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2';

const { utils } = ssh2;
import type { HostSpec } from './host-spec.js';

export type PassphraseSource = (keyFile: string) => Promise<string | undefined>;

export interface AuthPlan {
  methods: AnyAuthMethod[];
  /** What was tried or skipped, for the error message when nothing works. */
  notes: string[];
}

function isEncryptedError(err: Error): boolean {
  return /encrypted/i.test(err.message) && /passphrase/i.test(err.message);
}

export async function loadIdentity(
  file: string,
  passphrase: PassphraseSource,
): Promise<{ key: ParsedKey } | { problem: string }> {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    return { problem: `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  let parsed = utils.parseKey(data);
  if (parsed instanceof Error && isEncryptedError(parsed)) {
    const pass = await passphrase(file);
    if (pass === undefined) {
      return {
        problem: `${file}: encrypted, and no passphrase is available (load it with ssh-add, set VMIGRATE_SSH_PASSPHRASE, or run on a terminal to be asked)`,
      };
    }
    parsed = utils.parseKey(data, pass);
    if (parsed instanceof Error) return { problem: `${file}: wrong passphrase (${parsed.message})` };
  }
  if (parsed instanceof Error) return { problem: `${file}: not a usable private key (${parsed.message})` };
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key) return { problem: `${file}: holds no key` };
  return { key };
}

export async function planAuthentication(spec: HostSpec, passphrase: PassphraseSource): Promise<AuthPlan> {
  const methods: AnyAuthMethod[] = [];
  const notes: string[] = [];
  const agent = spec.identityAgent ?? process.env.SSH_AUTH_SOCK;
  if (agent && !spec.identitiesOnly) {
    methods.push({ type: 'agent', username: spec.user, agent });
    notes.push(`ssh-agent at ${agent}`);
  } else if (!spec.identitiesOnly) {
    notes.push('no ssh-agent (SSH_AUTH_SOCK is not set)');
  }
  for (const file of spec.identityFiles) {
    if (!existsSync(file)) continue;
    const loaded = await loadIdentity(file, passphrase);
    if ('problem' in loaded) {
      notes.push(loaded.problem);
      continue;
    }
    methods.push({ type: 'publickey', username: spec.user, key: loaded.key });
    notes.push(`${file} (${loaded.key.type})`);
  }
  return { methods, notes };
}

export function authHandler(plan: AuthPlan): AuthHandlerMiddleware {
  const queue = [...plan.methods];
  return (_left, _partial, next) => {
    const method = queue.shift();
    next(method ?? (false as unknown as AnyAuthMethod));
  };
}

/** A passphrase source: the environment, then a prompt when stdin is a terminal. */
export function defaultPassphraseSource(prompt?: (question: string) => Promise<string>): PassphraseSource {
  return async (file) => {
    const fromEnv = process.env.VMIGRATE_SSH_PASSPHRASE;
    if (fromEnv !== undefined) return fromEnv;
    if (prompt && process.stdin.isTTY) return prompt(`Enter passphrase for ${file}: `);
    return undefined;
  };
}
