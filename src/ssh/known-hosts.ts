/**
 * OpenSSH known_hosts: parsing, lookup and the lines accept-new appends.
 * Supports plain and hashed (`|1|salt|hash`) host fields, `[host]:port`, wildcard and negated
 * patterns, and the `@revoked` marker. `@cert-authority` lines are recognised and skipped:
 * vmigrate does not accept host certificates, so such a host is "unknown", never trusted by them.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface HostKey {
  type: string;
  /** The SSH wire-format public key blob. */
  blob: Buffer;
}

export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  hosts: string;
  type: string;
  blob: Buffer;
  lineNumber: number;
}

export type HostKeyVerdict =
  | { kind: 'match'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry }
  /** The host is known with a different key of the same type. */
  | { kind: 'changed'; known: KnownHostEntry[] }
  /** The host is known, but only with keys of other types. */
  | { kind: 'other-types'; known: KnownHostEntry[] }
  | { kind: 'unknown' };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // an unknown marker: OpenSSH ignores the line too
    }
    const [hosts, type, b64] = fields;
    if (hosts === undefined || type === undefined || b64 === undefined) return;
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) return;
    entries.push({ marker, hosts, type, blob: Buffer.from(b64, 'base64'), lineNumber: index + 1 });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .toLowerCase()
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.') +
      '$',
  );
  return re.test(name);
}

function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1' || parts[2] === undefined || parts[3] === undefined)
    return false;
  const salt = Buffer.from(parts[2], 'base64');
  const digest = createHmac('sha1', salt).update(name).digest('base64');
  return digest === parts[3];
}

export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatch(field, name);
  let positive = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      positive = true;
    }
  }
  return positive;
}

/** Decide what known_hosts says of `key` offered by `name` (see knownHostsName). */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: HostKey): HostKeyVerdict {
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.blob.equals(key.blob));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.type === key.type && e.blob.equals(key.blob));
  if (match) return { kind: 'match', entry: match };
  const sameType = plain.filter((e) => e.type === key.type);
  if (sameType.length > 0) return { kind: 'changed', known: sameType };
  if (plain.length > 0) return { kind: 'other-types', known: plain };
  return { kind: 'unknown' };
}

/** Key types known for a host, used to prefer them in the key exchange as OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name))
    .map((e) => e.type);
  return [...new Set(types)];
}

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The type name inside a wire-format key blob (its first SSH string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) throw new Error('host key blob too short');
  const len = blob.readUInt32BE(0);
  if (len > blob.length - 4) throw new Error('malformed host key blob');
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function knownHostsLine(name: string, key: HostKey, hashed: boolean): string {
  let hostField = name;
  if (hashed) {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update(name).digest('base64');
    hostField = `|1|${salt.toString('base64')}|${hash}`;
  }
  return `${hostField} ${key.type} ${key.blob.toString('base64')}`;
}
