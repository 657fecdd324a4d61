/**
 * The direct path's authorized_keys line, run as sshd would run it: its forced command through a
 * real `sh` with SSH_ORIGINAL_COMMAND set, and an extractor that only prints what it was given.
 * What a stream may ask for is checked there, not trusted.
 */
import { spawnSync } from 'node:child_process';
import type { ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { EphemeralAgent } from '../../src/ssh/ephemeral-agent.js';
import { grantLine } from '../../src/migration/direct-grant.js';
import { encodeArg, receiveRequest } from '../../src/maildir/direct-request.js';

const D = '/var/vpopmail/domains/ex.com';
const ECHO = '# an extractor that prints its arguments\nprintf "[%s]\\n" "$@"\n';
const agent = new EphemeralAgent();
const line = grantLine({
  publicKey: agent.publicKey,
  from: ['10.0.0.11', '2001:db8::11'],
  expires: new Date(Date.UTC(2026, 11, 2, 23, 5)),
  domainDir: D,
  owner: '1089:1090',
  extractScript: ECHO,
  sudo: false,
  marker: 'vmigrate-direct 7 ex.com',
});

/** sshd's reading of the command option: `\"` is `"`. */
function forcedCommand(l: string): string {
  const m = /command="((?:[^"\\]|\\.)*)"/.exec(l);
  if (!m?.[1]) throw new Error('no command option');
  return m[1].replaceAll('\\"', '"');
}

function asSshd(original: string | undefined): { code: number | null; out: string; err: string } {
  const r = spawnSync('sh', ['-c', forcedCommand(line)], {
    env: { PATH: process.env.PATH, ...(original === undefined ? {} : { SSH_ORIGINAL_COMMAND: original }) },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the direct grant', () => {
  it('is one authorized_keys line: restricted, from the source only, expiring, named', () => {
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(
      /^restrict,from="10\.0\.0\.11,2001:db8::11",expiry-time="202612022305Z",command=".*" ssh-ed25519 [A-Za-z0-9+/=]+ vmigrate-direct 7 ex\.com$/,
    );
    expect(line).not.toContain('an extractor that prints');
  });

  it('runs the extractor for a stream into the domain, with the owner the line names', () => {
    const transform = 's,^alice/Maildir/,.p/,S;s,^bob\\.x/Maildir/,.p/b/ob/,S';
    const r = asSshd(receiveRequest({ base: `${D}/alice/Maildir`, compress: 'zstd', transform }));
    expect(r.err).toBe('');
    expect(r.out).toBe(`[${D}/alice/Maildir]\n[1089:1090]\n[zstd -q]\n[${transform}]\n`);
    const plain = asSshd(receiveRequest({ base: D, compress: undefined, transform: '' }));
    expect(plain.out).toBe(`[${D}]\n[1089:1090]\n[]\n[]\n`);
  });

  it("answers the run's hello with the address it sees, and runs nothing", () => {
    const r = spawnSync('sh', ['-c', forcedCommand(line)], {
      env: {
        PATH: process.env.PATH,
        SSH_ORIGINAL_COMMAND: 'vmigrate-hello',
        SSH_CONNECTION: '10.0.0.11 51000 10.0.0.12 22',
      },
      encoding: 'utf8',
    });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'vmigrate-hello 10.0.0.11\n', '']);
  });

  it('refuses anything else, without running it', () => {
    const refused = (original: string | undefined, why: RegExp) => {
      const r = asSshd(original);
      expect(r.code, original).toBe(126);
      expect(r.out).toBe('');
      expect(r.err).toMatch(why);
    };
    refused(undefined, /not a vmigrate stream/);
    refused('sh -c id', /not a vmigrate stream/);
    refused(`vmigrate-receive ${encodeArg('/etc')} - -`, /base outside the domain/);
    refused(`vmigrate-receive ${encodeArg(`${D}x`)} - -`, /base outside the domain/);
    refused(`vmigrate-receive ${encodeArg(`${D}/../other.com`)} - -`, /base not plain/);
    refused(`vmigrate-receive ${D} - -`, /base/);
    refused(`vmigrate-receive $(id) - -`, /base/);
    refused(`vmigrate-receive ${encodeArg(D)} bzip2 -`, /decompressor/);
    refused(`vmigrate-receive ${encodeArg(D)} - ${encodeArg('s,^,/etc/$(id),')}`, /transform/);
    refused(`vmigrate-receive ${encodeArg(D)} - - extra`, /not a vmigrate stream/);
    refused(`vmigrate-receive ${encodeArg(D)} '*' -`, /decompressor/);
    refused('vmigrate-hello extra', /not a vmigrate stream/);
  });

  it("signs with the run's keys only: one per grant, dropped with it", async () => {
    const data = Buffer.from('session data');
    const identities = (a: EphemeralAgent) =>
      new Promise<ParsedKey[]>((resolve) => a.getIdentities((_e, keys) => resolve(keys ?? [])));
    const sign = (a: EphemeralAgent, key: ParsedKey) =>
      new Promise<{ err?: Error; sig?: Buffer }>((resolve) =>
        a.sign(key, data, {}, (err, sig) => resolve({ ...(err ? { err } : {}), ...(sig ? { sig } : {}) })),
      );
    const [first] = await identities(agent);
    expect((await sign(agent, first!)).sig?.length).toBe(64);
    expect(agent.signatures).toBe(1);
    const second = agent.addKey();
    expect(second).not.toBe(agent.publicKey);
    const keys = await identities(agent);
    expect(keys).toHaveLength(2);
    expect((await sign(agent, keys[1]!)).sig?.length).toBe(64);
    agent.dropKey(second);
    expect(await identities(agent)).toHaveLength(1);
    expect((await sign(agent, keys[1]!)).err?.message).toMatch(/not one of the run's keys/);
    const [other] = await identities(new EphemeralAgent());
    expect((await sign(agent, other!)).err?.message).toMatch(/not one of the run's keys/);
  });
});

describe("the run's keys", () => {
  it('are whole ed25519 keys, every one (the generator underneath drops a leading zero byte now and then)', () => {
    const a = new EphemeralAgent();
    const keys = [a.publicKey, ...Array.from({ length: 1500 }, () => a.addKey())];
    for (const k of keys) expect(Buffer.from(k.split(' ')[1]!, 'base64')).toHaveLength(51);
  });
});
