/**
 * The pure parts of a cutover: the control file edits, the queue as qmail-qread prints it,
 * the content fingerprint the server checks, the merge of a rollback over others' changes,
 * and the journal of changes in the state store.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeBack } from '../../src/migration/cutover-changes.js';
import { parseRoute } from '../../src/migration/cutover.js';
import { posixCksum } from '../../src/remote/posix-cksum.js';
import type { ChangeState } from '../../src/state/cutovers.js';
import { recordsOf } from '../../src/state/records.js';
import { StateStore } from '../../src/state/store.js';
import { aMoveRequest } from '../helpers/builders.js';
import {
  acceptedNames,
  parseQread,
  pendingFor,
  virtualNames,
  withoutLocals,
  withoutVirtualDomains,
  withRoutes,
} from '../../src/vpopmail/qmail-control.js';

const NAMES = ['example.com', 'example.net'];

describe('control file edits', () => {
  it('takes the domain and its alias domains out of virtualdomains, every other line kept byte for byte', () => {
    const text = [
      '# hand-written comment',
      'a.example:a.example',
      'Example.COM:example.com',
      'sales@example.com:example.com-sales',
      'example.net:example.net',
      'example.community:example.community',
      '',
      '  odd  spacing:x',
      '',
    ].join('\n');
    const edit = withoutVirtualDomains(text, NAMES);
    expect(edit.removed).toEqual(['Example.COM:example.com', 'example.net:example.net']);
    expect(edit.text).toBe(
      [
        '# hand-written comment',
        'a.example:a.example',
        'sales@example.com:example.com-sales',
        'example.community:example.community',
        '',
        '  odd  spacing:x',
        '',
      ].join('\n'),
    );
    expect(withoutVirtualDomains('b.example:b.example\n', NAMES)).toEqual({
      text: 'b.example:b.example\n',
      removed: [],
      added: [],
    });
  });

  it('takes the names out of locals only when they are there', () => {
    expect(withoutLocals('localhost\nexample.com\nmail.example.com\n', NAMES).text).toBe(
      'localhost\nmail.example.com\n',
    );
    expect(withoutLocals('', NAMES)).toEqual({ text: '', removed: [], added: [] });
  });

  it('routes each name to the destination, replacing an earlier line for it and keeping the others in place', () => {
    const text = ':smarthost.example\n.example.com:relay.example\nexample.com:stale.example\n';
    const edit = withRoutes(text, NAMES, { host: '10.0.0.2' });
    expect(edit.text).toBe(
      ':smarthost.example\n.example.com:relay.example\nexample.com:10.0.0.2\nexample.net:10.0.0.2\n',
    );
    expect(edit.removed).toEqual(['example.com:stale.example']);
    expect(withRoutes('', ['example.com'], { host: 'new.example', port: 2525 }).text).toBe(
      'example.com:new.example:2525\n',
    );
    // Port 25 is qmail's default and is not written.
    expect(withRoutes('', ['example.com'], { host: 'new.example', port: 25 }).text).toBe(
      'example.com:new.example\n',
    );
    // Already routed so: no change at all.
    const done = 'example.com:10.0.0.2\nexample.net:10.0.0.2\n';
    expect(withRoutes(done, NAMES, { host: '10.0.0.2' }).text).toBe(done);
  });

  it('tells which names a host accepts and delivers locally', () => {
    expect(acceptedNames('example.com\nother.example\n', 'example.net\n', [...NAMES, 'x.example'])).toEqual(
      NAMES,
    );
    expect(virtualNames('example.com:example.com\nexample.net:\n', NAMES)).toEqual(['example.com']);
  });

  it('reads a route as host[:port] and refuses anything else', () => {
    expect(parseRoute('mx.example.net')).toEqual({ host: 'mx.example.net', port: undefined });
    expect(parseRoute('10.0.0.2:2525')).toEqual({ host: '10.0.0.2', port: 2525 });
    for (const bad of ['', 'a b', 'host:0', 'host:70000', 'host;rm -rf /', 'a:b:c'])
      expect(() => parseRoute(bad), bad).toThrow(/is not host\[:port\]/);
  });
});

describe('the queue', () => {
  const qread = [
    '1 Dec 2026 21:30:05 GMT  #1796160605  1532  <traffic@remote.example> ',
    '\tlocal\texample.com-alice@example.com',
    '  done\tlocal\texample.com-bob@example.com',
    '1 Dec 2026 21:30:09 GMT  #1796160609  900  <> bouncing',
    '\tremote\tsomeone@example.net',
    '  done\tremote\tsomeone@elsewhere.example',
    '',
  ].join('\n');

  it('parses qmail-qread: time, id, size, sender and each recipient', () => {
    const q = parseQread(qread);
    expect(q).toEqual([
      {
        id: '1796160605',
        queuedAt: Date.UTC(2026, 11, 1, 21, 30, 5) / 1000,
        size: 1532,
        sender: 'traffic@remote.example',
        recipients: [
          { kind: 'local', address: 'example.com-alice@example.com', done: false },
          { kind: 'local', address: 'example.com-bob@example.com', done: true },
        ],
      },
      {
        id: '1796160609',
        queuedAt: Date.UTC(2026, 11, 1, 21, 30, 9) / 1000,
        size: 900,
        sender: '',
        recipients: [
          { kind: 'remote', address: 'someone@example.net', done: false },
          { kind: 'remote', address: 'someone@elsewhere.example', done: true },
        ],
      },
    ]);
  });

  it('finds the local and the relayed deliveries still due for these domains', () => {
    const q = parseQread(qread);
    expect(pendingFor(q, NAMES, 'local').map((m) => m.id)).toEqual(['1796160605']);
    expect(pendingFor(q, ['other.example'], 'local')).toEqual([]);
    expect(pendingFor(q, NAMES, 'remote').map((m) => m.id)).toEqual(['1796160609']);
  });
});

describe('the fingerprint the server compares', () => {
  it('is what POSIX cksum prints', () => {
    for (const data of [Buffer.alloc(0), Buffer.from('hello\nworld\n'), Buffer.from([0, 255, 10, 13, 128])]) {
      const server = execFileSync('cksum', { input: data }).toString().trim();
      expect(posixCksum(data)).toBe(server);
    }
  });
});

describe('a rollback over changes made by others', () => {
  it('takes back only the lines the cutover added and removed', () => {
    const before = Buffer.from('a.example:a.example\nexample.com:example.com\nz.example:z.example\n');
    const after = Buffer.from('a.example:a.example\nz.example:z.example\n');
    // vadddomain added b.example after the cutover.
    const now = Buffer.from('a.example:a.example\nb.example:b.example\nz.example:z.example\n');
    expect(mergeBack(before, after, now).toString()).toBe(
      'a.example:a.example\nb.example:b.example\nz.example:z.example\nexample.com:example.com\n',
    );
    // smtproutes: the route goes, the operator's own line stays.
    expect(
      mergeBack(
        Buffer.alloc(0),
        Buffer.from('example.com:new\n'),
        Buffer.from('example.com:new\n:smarthost\n'),
      ).toString(),
    ).toBe(':smarthost\n');
  });
});

describe('the journal of a cutover', () => {
  it('keeps each change with its exact bytes, owner and mode before and after, and its status', () => {
    const records = recordsOf(StateStore.open(mkdtempSync(join(tmpdir(), 'cutover-'))));
    const run = records.runs.create(
      'cutover',
      aMoveRequest(['example.com'], { domainsConcurrency: 1, failFast: true }),
    );
    const where = { source: 'old', destination: 'new', domain: 'example.com' };
    const c = records.cutovers.create(run.id, where, {
      names: NAMES,
      route: { host: 'new.example' },
      domainDir: '/home/vpopmail/domains/example.com',
      qmailDir: '/var/qmail',
      freezeAccess: true,
    });
    const bytes = Buffer.from([0x65, 0x78, 0x00, 0xff, 0x0a]);
    const before: ChangeState = { kind: 'file', exists: true, content: bytes, mode: '644', uid: 0, gid: 0 };
    const after: ChangeState = {
      kind: 'file',
      exists: false,
      content: Buffer.alloc(0),
      mode: '',
      uid: 0,
      gid: 0,
    };
    const seq = records.cutovers.planChange(c.id, '/var/qmail/control/smtproutes', before, after);
    records.cutovers.planChange(
      c.id,
      '/home/vpopmail/domains/example.com',
      { kind: 'dir-mode', mode: '700' },
      {
        kind: 'dir-mode',
        mode: '1700',
      },
    );
    records.cutovers.planChange(
      c.id,
      'ann@example.com',
      { kind: 'user-flags', flags: 0 },
      { kind: 'user-flags', flags: 14 },
    );
    records.cutovers.setChange(c.id, seq, 'applied');
    records.cutovers.stepDone(c.id, 'frozen', { mode: '700' });

    const changes = records.cutovers.changes(c.id);
    expect(changes.map((x) => [x.seq, x.target, x.status])).toEqual([
      [1, '/var/qmail/control/smtproutes', 'applied'],
      [2, '/home/vpopmail/domains/example.com', 'planned'],
      [3, 'ann@example.com', 'planned'],
    ]);
    expect(changes[0]!.before).toEqual(before);
    expect(changes[0]!.after).toEqual(after);
    expect(changes[2]!.after).toEqual({ kind: 'user-flags', flags: 14 });
    expect(records.cutovers.steps(c.id).get('frozen')?.detail).toEqual({ mode: '700' });
    expect(records.cutovers.latest(where)?.state).toBe('active');
    records.cutovers.setState(c.id, 'rolled-back');
    expect(records.cutovers.standingFrom('old', 'example.com')).toEqual([]);
  });
});
