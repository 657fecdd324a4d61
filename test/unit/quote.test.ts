import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandLine, displayCommand, quote, Secret } from '../../src/remote/quote.js';

describe('quote', () => {
  it('leaves plain words alone and single-quotes everything else', () => {
    expect(quote('tar')).toBe('tar');
    expect(quote('/home/vpopmail/domains/ex-ample.com')).toBe('/home/vpopmail/domains/ex-ample.com');
    expect(quote('')).toBe("''");
    expect(quote('a b')).toBe("'a b'");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote('$(reboot)')).toBe("'$(reboot)'");
    expect(quote('-rf')).toBe('-rf');
  });

  it('refuses NUL, which no argv can carry', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });

  it('a local POSIX shell reads every quoted string back unchanged', () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: 'binary', maxLength: 40 })
          .map((s) => s.replaceAll('\0', ''))
          .filter((s) => s.isWellFormed()),
        (s) => {
          const out = execFileSync('/bin/sh', ['-c', `printf %s ${quote(s)}`], { encoding: 'utf8' });
          expect(out).toBe(s);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps secrets out of the displayed command but sends them', () => {
    const argv = ['vadduser', '-e', new Secret('$1$abc$def'), 'a@b.example'];
    expect(commandLine(argv)).toBe("vadduser -e '$1$abc$def' a@b.example");
    expect(displayCommand(argv)).toBe('vadduser -e <redacted> a@b.example');
    expect(JSON.stringify({ argv })).not.toContain('abc');
  });

  it('refuses an empty command', () => {
    expect(() => commandLine([])).toThrow(/empty/);
  });
});
