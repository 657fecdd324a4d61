import { describe, expect, it } from 'vitest';
import { parseDomainList } from '../../src/migration/domain-list.js';
import { ownerLine, parseOwnerLine } from '../../src/migration/domain-lock.js';

describe('domain lists', () => {
  it('take one domain per line, with blank lines and # comments', () => {
    expect(
      parseDomainList('# customers\nexample.com\n\n  Example.NET.  # trailing dot\r\nb.example\n'),
    ).toEqual(['example.com', 'example.net', 'b.example']);
  });

  it('report every bad and repeated name with its line before anything starts', () => {
    let message = '';
    try {
      parseDomainList('example.com\nbad_name.com\nexample.com\nbücher.example\n', 'domains.txt');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/domains\.txt has 3 problem/);
    expect(message).toMatch(/domains\.txt:2: "bad_name\.com" is not a valid domain name/);
    expect(message).toMatch(/domains\.txt:3: example\.com is listed again \(first on line 1\)/);
    expect(message).toMatch(/domains\.txt:4: .*use "xn--bcher-kva\.example"/);
  });

  it('refuse a list that names nothing', () => {
    expect(() => parseDomainList('# nothing\n\n')).toThrow(/names no domain/);
  });
});

describe('lock owner lines', () => {
  it('round-trip, and reject what is not one', () => {
    const h = { store: 'a1b2', run: 7, pid: 4242, controller: 'laptop', since: '2026-11-30T10:00:00.000Z' };
    expect(parseOwnerLine(ownerLine(h))).toEqual(h);
    expect(parseOwnerLine('garbage')).toBeUndefined();
  });
});
