import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  combinedOutcome,
  describeError,
  RemoteCommandError,
  exitCodeFor,
  outcomeOf,
  OUTCOMES,
  HostKeyError,
  PreconditionError,
  UsageError,
  VerificationError,
} from '../../src/errors.js';
import { missingRequirements, parseProbe } from '../../src/hosts/probe.js';
import { GOOD_PROBE as GOOD } from '../helpers/probe-sample.js';

describe('probe output', () => {
  it('parses every field', () => {
    const c = parseProbe(GOOD, 'old');
    expect(c.tar.gnu && c.find.gnu).toBe(true);
    expect(c.vpopmail).toEqual({
      dir: '/home/vpopmail',
      bin: '/home/vpopmail/bin',
      version: '5.4.33',
      uid: 89,
      gid: 89,
    });
    expect(c.programs.gzip).toBe('/usr/bin/gzip');
    expect(c.programs.zstd).toBeUndefined();
    expect(c.diskFreeBytes).toBe(1024 ** 3);
    expect(c.inodesFree).toBe(5000);
    expect(missingRequirements(c)).toEqual([]);
  });

  it('refuses a login shell that prints before the command', () => {
    expect(() => parseProbe('Welcome to mail1!\n' + GOOD, 'old')).toThrow(PreconditionError);
    expect(() => parseProbe('Welcome to mail1!\n' + GOOD, 'old')).toThrow(/Welcome to mail1/);
  });

  it('names what a host lacks', () => {
    const bsd = GOOD.replace('tar (GNU tar) 1.34', 'bsdtar 3.6.2').replace(/vpopmail_bin=.*\n/, '');
    expect(missingRequirements(parseProbe(bsd, 'old'))).toEqual([
      'GNU tar is required (found: bsdtar 3.6.2)',
      'no vpopmail programs in /home/vpopmail/bin',
    ]);
  });
});

describe('outcomes and exit codes', () => {
  it('come from one table, with refusals apart from transient connection failures and bugs apart from failures', () => {
    const code = (e: unknown) => exitCodeFor(outcomeOf(e));
    expect(code(new UsageError('x'))).toBe(2);
    expect(code(new VerificationError('x'))).toBe(3);
    expect(code(new ConnectionError('x'))).toBe(4);
    expect(code(new AuthenticationError('x'))).toBe(7);
    expect(code(new HostKeyError('x'))).toBe(7);
    expect(code(new PreconditionError('x'))).toBe(5);
    expect(code(new RemoteCommandError('x', { command: 'c', code: 1, signal: null, stderr: '' }))).toBe(1);
    expect(code(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(70);
    expect(code(Object.assign(new Error('no space left'), { code: 'ENOSPC' }))).toBe(1);
    expect(code('a string thrown')).toBe(70);
    expect(new HostKeyError('x').transient).toBe(false);
    expect(new ConnectionError('x').transient).toBe(true);
  });

  it('combine: one shared outcome stands, different ones are a failure, an interruption wins', () => {
    expect(combinedOutcome(['ok', 'ok'])).toBe('ok');
    expect(combinedOutcome([])).toBe('ok');
    expect(combinedOutcome(['ok', 'unfit', 'unfit'])).toBe('unfit');
    expect(combinedOutcome(['unfit', 'different'])).toBe('failed');
    expect(combinedOutcome(['unfit', 'interrupted'])).toBe('interrupted');
  });

  it('describe a bug as one, with a hint to report it', () => {
    const d = describeError(new TypeError('x is not a function'));
    expect(d.code).toBe('INTERNAL');
    expect(d.message).toBe('internal error: x is not a function');
    expect(d.hint).toMatch(/defect in vmigrate/);
  });
});

describe("the README's table of exit codes", () => {
  it('is the table the code uses, outcome by outcome', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('## Documentation'));
    const rows = [...section.matchAll(/^\| (\d+) +\| `(\w+)` +\|/gm)].map((m) => [m[2], Number(m[1])]);
    expect(rows).toEqual(OUTCOMES.map((o) => [o, exitCodeFor(o)]));
  });
});
