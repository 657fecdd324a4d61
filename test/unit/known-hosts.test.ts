import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  keyTypeOfBlob,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from '../../src/ssh/known-hosts.js';

function blob(type: string, payload: string): Buffer {
  const t = Buffer.from(type);
  const p = Buffer.from(payload);
  const b = Buffer.alloc(8 + t.length + p.length);
  b.writeUInt32BE(t.length, 0);
  t.copy(b, 4);
  b.writeUInt32BE(p.length, 4 + t.length);
  p.copy(b, 8 + t.length);
  return b;
}

const ED_A = { type: 'ssh-ed25519', blob: blob('ssh-ed25519', 'key-a') };
const ED_B = { type: 'ssh-ed25519', blob: blob('ssh-ed25519', 'key-b') };
const RSA = { type: 'ssh-rsa', blob: blob('ssh-rsa', 'key-r') };
const line = (hosts: string, k: { type: string; blob: Buffer }) =>
  `${hosts} ${k.type} ${k.blob.toString('base64')}`;

describe('known_hosts parsing', () => {
  it('reads plain, marked, commented and broken lines', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        '',
        line('mail.example.net,192.0.2.5', ED_A),
        `@revoked * ${RSA.type} ${RSA.blob.toString('base64')}`,
        `@cert-authority *.example.net ${ED_B.type} ${ED_B.blob.toString('base64')}`,
        '@bogus host ssh-ed25519 AAAA',
        'only-two fields',
        'host ssh-ed25519 not*base64',
      ].join('\n'),
    );
    expect(entries.map((e) => [e.marker, e.hosts, e.lineNumber])).toEqual([
      [undefined, 'mail.example.net,192.0.2.5', 3],
      ['revoked', '*', 4],
      ['cert-authority', '*.example.net', 5],
    ]);
  });

  it('names non-standard ports [host]:port and lowercases', () => {
    expect(knownHostsName('Mail.Example.NET', 22)).toBe('mail.example.net');
    expect(knownHostsName('mail.example.net', 2222)).toBe('[mail.example.net]:2222');
  });

  it('matches wildcards, negations and ports', () => {
    expect(hostFieldMatches('*.example.net', 'mail.example.net')).toBe(true);
    expect(hostFieldMatches('*.example.net,!bad.example.net', 'bad.example.net')).toBe(false);
    expect(hostFieldMatches('mail?.example.net', 'mail1.example.net')).toBe(true);
    expect(hostFieldMatches('mail.example.net', '[mail.example.net]:2222')).toBe(false);
    expect(hostFieldMatches('[mail.example.net]:2222', '[mail.example.net]:2222')).toBe(true);
    expect(hostFieldMatches('mail.example.net', 'mail.example.net.evil')).toBe(false);
  });

  it('matches hashed entries written by ssh-keygen -H', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    const file = join(dir, 'known_hosts');
    writeFileSync(file, line('mail.example.net', ED_A) + '\n' + line('[mail.example.net]:2222', ED_B) + '\n');
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const entries = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(checkHostKey(entries, 'mail.example.net', ED_A).kind).toBe('match');
    expect(checkHostKey(entries, '[mail.example.net]:2222', ED_B).kind).toBe('match');
    expect(checkHostKey(entries, '[mail.example.net]:2222', ED_A).kind).toBe('changed');
    expect(checkHostKey(entries, 'other.example.net', ED_A).kind).toBe('unknown');
  });

  it('our hashed lines are read back by OpenSSH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    const file = join(dir, 'known_hosts');
    const pub = execFileSync('sh', ['-c', `ssh-keygen -q -t ed25519 -N '' -f ${dir}/k && cat ${dir}/k.pub`], {
      encoding: 'utf8',
    });
    const [type, b64] = pub.split(' ');
    writeFileSync(
      file,
      knownHostsLine('[host.example]:2200', { type: type!, blob: Buffer.from(b64!, 'base64') }, true) + '\n',
    );
    const found = execFileSync('ssh-keygen', ['-F', '[host.example]:2200', '-f', file], { encoding: 'utf8' });
    expect(found).toContain('Host [host.example]:2200 found');
  });
});

describe('host key verdicts', () => {
  const entries = parseKnownHosts(
    [
      line('a.example', ED_A),
      line('b.example', RSA),
      `@revoked c.example ${ED_B.type} ${ED_B.blob.toString('base64')}`,
    ].join('\n'),
  );
  it('match, changed, other types, unknown and revoked', () => {
    expect(checkHostKey(entries, 'a.example', ED_A).kind).toBe('match');
    expect(checkHostKey(entries, 'a.example', RSA).kind).toBe('other-types');
    expect(checkHostKey(entries, 'b.example', ED_A).kind).toBe('other-types');
    expect(checkHostKey(entries, 'z.example', ED_A).kind).toBe('unknown');
    expect(checkHostKey(parseKnownHosts(line('a.example', ED_A)), 'a.example', ED_B).kind).toBe('changed');
    // Stricter than OpenSSH: a revoked key is refused under every host name, not only its own.
    expect(checkHostKey(entries, 'a.example', ED_B).kind).toBe('revoked');
    expect(checkHostKey(entries, 'z.example', ED_B).kind).toBe('revoked');
  });
  it('lists known key types for algorithm preference', () => {
    expect(knownKeyTypes(entries, 'b.example')).toEqual(['ssh-rsa']);
  });
  it('reads the type from a key blob and fingerprints like OpenSSH', () => {
    expect(keyTypeOfBlob(ED_A.blob)).toBe('ssh-ed25519');
    expect(() => keyTypeOfBlob(Buffer.from([0, 0, 0, 9, 1]))).toThrow();
    expect(fingerprint(ED_A.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
