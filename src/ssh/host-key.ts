/**
 * Host key verification against known_hosts, failing closed. Unknown keys are refused unless
 * accept-new is on (then recorded, as OpenSSH's StrictHostKeyChecking=accept-new does); a
 * changed or revoked key is refused always.
 */
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HostKeyError } from '../errors.js';
import type { HostSpec } from './host-spec.js';
import {
  checkHostKey,
  fingerprint,
  keyTypeOfBlob,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';

export interface HostKeyOutcome {
  fingerprint: string;
  keyType: string;
  /** `<type> <base64>`: the key accepted, as a known_hosts line names it. */
  publicKey: string;
  /** The file a new key was written to under accept-new. */
  recordedIn?: string;
}

function lookupName(spec: HostSpec): string {
  // OpenSSH looks a HostKeyAlias up as given, without the [host]:port form.
  return spec.hostKeyAlias ?? knownHostsName(spec.hostname, spec.port);
}

function readEntries(files: readonly string[]): { file: string; entries: KnownHostEntry[] }[] {
  return files
    .filter((f) => existsSync(f))
    .map((file) => ({ file, entries: parseKnownHosts(readFileSync(file, 'utf8')) }));
}

export function knownTypesFor(spec: HostSpec): string[] {
  const name = lookupName(spec);
  return [
    ...new Set(readEntries(spec.knownHostsFiles).flatMap(({ entries }) => knownKeyTypes(entries, name))),
  ];
}

export function verifyHostKey(spec: HostSpec, blob: Buffer, acceptNew: boolean): HostKeyOutcome {
  const type = keyTypeOfBlob(blob);
  const fp = fingerprint(blob);
  const name = lookupName(spec);
  const where = `${spec.label} (${spec.hostname}:${spec.port})`;
  const files = readEntries(spec.knownHostsFiles);
  const all = files.flatMap(({ file, entries }) => entries.map((e) => ({ file, e })));
  const verdict = checkHostKey(
    all.map((x) => x.e),
    name,
    { type, blob },
  );
  const fileOf = (entry: KnownHostEntry) => all.find((x) => x.e === entry)?.file ?? '?';
  switch (verdict.kind) {
    case 'match':
      return { fingerprint: fp, keyType: type, publicKey: `${type} ${blob.toString('base64')}` };
    case 'revoked':
      throw new HostKeyError(
        `the ${type} host key of ${where} is marked @revoked in ${fileOf(verdict.entry)} line ${verdict.entry.lineNumber} (${fp}); refusing to connect`,
        { host: spec.label, hint: 'the server must be given a new host key by its administrator' },
      );
    case 'changed': {
      const known = verdict.known
        .map((e) => `${fingerprint(e.blob)} (${fileOf(e)} line ${e.lineNumber})`)
        .join(', ');
      throw new HostKeyError(
        `the ${type} host key of ${where} has CHANGED: the server offered ${fp}, known_hosts has ${known}. ` +
          'This can mean someone is intercepting the connection; refusing to connect',
        {
          host: spec.label,
          hint: `if the server really was reinstalled, confirm ${fp} with its administrator, then remove the old entry with: ssh-keygen -R '${name}'`,
        },
      );
    }
    case 'unknown':
    case 'other-types': {
      if (acceptNew) {
        const file = spec.knownHostsFiles[0];
        if (!file)
          throw new HostKeyError(`no known_hosts file is configured for ${where}`, { host: spec.label });
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        const fresh = !existsSync(file);
        appendFileSync(file, knownHostsLine(name, { type, blob }, spec.hashKnownHosts) + '\n', {
          mode: 0o600,
        });
        if (fresh) chmodSync(file, 0o600);
        return {
          fingerprint: fp,
          keyType: type,
          publicKey: `${type} ${blob.toString('base64')}`,
          recordedIn: file,
        };
      }
      const others =
        verdict.kind === 'other-types'
          ? ` (known_hosts has only ${[...new Set(verdict.known.map((e) => e.type))].join(', ')} keys for it)`
          : '';
      throw new HostKeyError(
        `the ${type} host key of ${where} is not in known_hosts${others}; its fingerprint is ${fp}. Refusing to connect`,
        {
          host: spec.label,
          hint:
            `check the fingerprint with the server's administrator (ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-/, '')}_key.pub on the server), ` +
            `then either connect once with ssh ${spec.user}@${spec.hostname} -p ${spec.port}, or rerun with --accept-new-host-keys`,
        },
      );
    }
  }
}
