/**
 * Transport algorithms. Defaults put AES-GCM first: with ssh2's native binding it is the
 * fastest cipher measured here (docs/performance.md). SHA-1 signatures (ssh-rsa) are off, as
 * in OpenSSH 8.8+; `legacyAlgorithms` re-enables what old servers still speak.
 */
import type { Algorithms } from 'ssh2';

const SIGNATURES_FOR_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256'],
};

export function algorithmsFor(options: { legacy: boolean; knownKeyTypes: string[] }): Algorithms {
  const preferred = options.knownKeyTypes.flatMap((t) => SIGNATURES_FOR_KEY_TYPE[t] ?? []);
  if (options.legacy) {
    const legacyPreferred = options.knownKeyTypes.flatMap((t) =>
      t === 'ssh-rsa' ? ['ssh-rsa'] : t === 'ssh-dss' ? ['ssh-dss'] : [],
    );
    return {
      kex: {
        append: [
          'diffie-hellman-group14-sha1',
          'diffie-hellman-group-exchange-sha1',
          'diffie-hellman-group1-sha1',
        ],
      },
      serverHostKey: {
        remove: [...preferred, ...legacyPreferred],
        prepend: [...preferred, ...legacyPreferred],
        append: ['ssh-rsa', 'ssh-dss'],
      },
      cipher: { append: ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', '3des-cbc'] },
      hmac: { append: ['hmac-sha1', 'hmac-md5'] },
    } as Algorithms;
  }
  return {
    serverHostKey: { remove: ['ssh-rsa', ...preferred], prepend: preferred },
    cipher: {
      remove: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
      prepend: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
    },
  } as Algorithms;
}
