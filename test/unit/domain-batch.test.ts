/**
 * The commands that take one domain, a list or --all (sync, verify, cutover, cleanup): the
 * choice read from the command line, each domain run in turn whatever the others did, and one
 * outcome and one document for all of them.
 */
import { describe, expect, it } from 'vitest';
import { domainChoiceOf, forEachDomain, perDomainJson, perDomainText } from '../../src/cli/domain-batch.js';
import { PreconditionError } from '../../src/errors.js';

describe('a batch of domains', () => {
  it('takes exactly one of a domain, --list and --all', () => {
    expect(domainChoiceOf('a.example', { all: false })).toEqual({ domain: 'a.example' });
    expect(domainChoiceOf(undefined, { list: 'd.txt', all: false })).toEqual({ listFile: 'd.txt' });
    expect(domainChoiceOf(undefined, { all: true })).toEqual({ all: true });
    for (const [d, f] of [
      [undefined, { all: false }],
      ['a.example', { all: true }],
      ['a.example', { list: 'd.txt', all: false }],
      [undefined, { list: 'd.txt', all: true }],
    ] as const)
      expect(() => domainChoiceOf(d, f)).toThrow(/name one domain, or --list FILE, or --all/);
  });

  it('runs every domain, a failure included, and says how each ended', async () => {
    const seen: string[] = [];
    const r = await forEachDomain(
      ['a.example', 'b.example', 'c.example'],
      async (d) => {
        await Promise.resolve();
        if (d === 'b.example')
          throw new PreconditionError('b.example does not exist on new', { hint: 'move it' });
        return { outcome: 'ok', data: { copied: d.length } };
      },
      { signal: new AbortController().signal, ended: (d) => seen.push(`${d.domain}:${d.outcome}`) },
    );
    expect(seen).toEqual(['a.example:ok', 'b.example:unfit', 'c.example:ok']);
    // The domains that did not end well decide the exit status.
    expect(r.outcome).toBe('unfit');
    expect(perDomainJson(r.data, (x) => x)).toEqual({
      domains: [
        { domain: 'a.example', outcome: 'ok', result: { copied: 9 } },
        {
          domain: 'b.example',
          outcome: 'unfit',
          error: {
            code: 'PRECONDITION',
            message: 'b.example does not exist on new',
            hint: 'move it',
            host: undefined,
          },
        },
        { domain: 'c.example', outcome: 'ok', result: { copied: 9 } },
      ],
    });
    const text = perDomainText(r, (one) => `copied ${one.data.copied}`);
    expect(text).toBe(
      [
        '== a.example (ok)\ncopied 9',
        '== b.example (unfit)\nerror: b.example does not exist on new\nhint: move it',
        '== c.example (ok)\ncopied 9',
        '3 domain(s): 2 ok, 1 unfit',
      ].join('\n\n'),
    );
  });

  it('starts no further domain once stopped, and a batch all ok is ok', async () => {
    const stop = new AbortController();
    const r = await forEachDomain(
      ['a.example', 'b.example'],
      (d) => {
        stop.abort();
        return Promise.resolve({ outcome: 'ok' as const, data: d });
      },
      { signal: stop.signal },
    );
    expect(r.data.batch && r.data.domains.map((d) => d.outcome)).toEqual(['ok', 'interrupted']);
    const fine = await forEachDomain(
      ['a.example'],
      (d) => Promise.resolve({ outcome: 'ok' as const, data: d }),
      {
        signal: new AbortController().signal,
      },
    );
    expect(fine.outcome).toBe('ok');
  });
});
