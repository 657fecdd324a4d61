import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunLog } from '../../src/log/logger.js';
import { scrubText } from '../../src/log/redact.js';

const MD5 = '$1$abcdefgh$0123456789abcdefghijkl';
const SHA512 = '$6$rounds=5000$saltsalt$' + 'x'.repeat(86);
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';

describe('redaction', () => {
  it('scrubs crypt hashes of every scheme and private keys from text', () => {
    const text = `user:${MD5}:1:0 and ${SHA512} and $2b$10$${'a'.repeat(53)} and ${KEY}`;
    const out = scrubText(text);
    expect(out).not.toContain('abcdefgh');
    expect(out).not.toContain('saltsalt');
    expect(out).not.toContain('aaaa');
    expect(out).not.toContain('b3BlbnNzaC1rZXkt');
    expect(out).toContain('$1$[redacted]');
  });

  it('writes a run log with mode 0600 and no secret in it, whatever field holds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-'));
    const log = openRunLog(join(dir, 'logs'), 'move');
    log.logger.info(
      { user: { name: 'alice', passwd: 'plain-secret' }, line: `alice:${MD5}:1:0` },
      `vadduser -e ${SHA512}`,
    );
    log.logger.error(
      { err: new Error(`failed with ${MD5}`), passphrase: 'hunter2', privateKey: KEY },
      'oops',
    );
    log.logger.warn({ step: { users: [{ account: { hash: 'opaque-deep-secret' } }] } }, 'deep');
    log.close();
    expect(statSync(log.file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'logs')).mode & 0o777).toBe(0o700);
    const text = readFileSync(log.file, 'utf8');
    expect(text).toContain('alice');
    for (const secret of [
      'plain-secret',
      'abcdefgh$0123',
      'saltsalt',
      'hunter2',
      'b3BlbnNzaC1rZXkt',
      'opaque-deep-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toHaveLength(3);
  });
});
