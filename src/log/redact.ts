/**
 * Secrets never reach a log: password hashes (any crypt(3) scheme) and private key material are
 * scrubbed from every string, whatever field it sits in, and known secret fields are censored by
 * name.
 */

const CRYPT_HASH = /\$(1|2[abxy]?|5|6|7|y|gy|apr1|md5|sha1)\$[^\s:'"]+/g;
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

export const REDACTED = '[redacted]';

export function scrubText(text: string): string {
  return text
    .replace(PRIVATE_KEY, `[private key ${REDACTED}]`)
    .replace(CRYPT_HASH, (_m, scheme: string) => `$${scheme}$${REDACTED}`);
}

/** Field names whose values are secrets wherever they appear. */
export const SECRET_KEYS = [
  'password',
  'passwd',
  'clearPassword',
  'clear_passwd',
  'encryptedPassword',
  'hash',
  'passphrase',
  'privateKey',
];
const SECRET = new Set(SECRET_KEYS);

/**
 * A log record as it may be written: every string scrubbed, and the value of a field named as
 * a secret censored whatever it holds and at any depth (so a hash in an unexpected format is
 * still caught).
 */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value instanceof Error)
    return { type: value.name, message: scrubText(value.message), stack: scrubText(value.stack ?? '') };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET.has(k) ? REDACTED : scrubValue(v, depth + 1);
  return out;
}
