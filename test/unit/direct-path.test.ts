/**
 * The direct data path's choices that need no server: how an address is read, and which
 * leftover grants a run removes (those of runs no longer running, and its own earlier ones),
 * with what it says about each.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { parseAddress, sweepGrants } from '../../src/migration/direct-path.js';
import { openRecords } from '../../src/state/records.js';
import { FakeRemote } from '../helpers/fake-remote.js';
import { aMoveRequest, capabilities } from '../helpers/builders.js';

describe('parseAddress', () => {
  it('reads host, host:port, [v6]:port and a bare v6 address', () => {
    expect(parseAddress('10.0.0.12', 22)).toEqual({ host: '10.0.0.12', port: 22 });
    expect(parseAddress('mail2.example.net:2222', 22)).toEqual({ host: 'mail2.example.net', port: 2222 });
    expect(parseAddress('[2001:db8::12]:2222', 22)).toEqual({ host: '2001:db8::12', port: 2222 });
    expect(parseAddress('[2001:db8::12]', 22)).toEqual({ host: '2001:db8::12', port: 22 });
  });
});

describe('sweepGrants', () => {
  const request = aMoveRequest(['ex.com']);

  it('removes the lines of runs that ended, its own earlier ones, and leaves a running run alone', async () => {
    const records = openRecords(mkdtempSync(join(tmpdir(), 'sweep-')));
    const ended = records.runs.create('move', request);
    records.runs.finish(ended.id, 'interrupted');
    const running = records.runs.create('move', { ...request, domains: ['other.com'] });
    const own = records.runs.create('move', { ...request, domains: ['own.com'] });
    const grant = (runId: number, domain: string, file?: string) => {
      const g = {
        runId,
        destination: 'new',
        login: 'root',
        marker: `vmigrate-direct ${runId} ${domain}`,
        expiresAt: '2020-01-01T00:00:00.000Z',
      };
      records.grants.record(g);
      if (file) records.grants.placed(g, file);
    };
    grant(ended.id, 'ex.com', '/root/.ssh/authorized_keys');
    grant(running.id, 'other.com', '/root/.ssh/authorized_keys');
    // Journaled, but the run died before it knew the file: it is looked up.
    grant(own.id, 'own.com');
    const dest = new FakeRemote('new').answer(
      { match: /vmigrate-grant/, stdout: '/root/.ssh/authorized_keys2\n' },
      { match: /vmigrate-ungrant/, stdout: '1\n' },
    );
    const said = await sweepGrants(
      { label: 'new', remote: dest, caps: capabilities() },
      records,
      silentLogger(),
      own.id,
    );
    expect(said).toEqual([
      `removed the direct grant of run ${ended.id} left in /root/.ssh/authorized_keys on new (expired already)`,
      `removed the direct grant of run ${own.id} left in /root/.ssh/authorized_keys2 on new (expired already)`,
    ]);
    expect(records.grants.open().map((g) => g.runId)).toEqual([running.id]);
    records.close();
  });

  it('says when a line cannot be removed, and keeps it journaled for the next run', async () => {
    const records = openRecords(mkdtempSync(join(tmpdir(), 'sweep-')));
    const ended = records.runs.create('move', request);
    records.runs.finish(ended.id, 'failed');
    const g = {
      runId: ended.id,
      destination: 'new',
      login: 'root',
      marker: `vmigrate-direct ${ended.id} ex.com`,
      expiresAt: '2999-01-01T00:00:00.000Z',
    };
    records.grants.record(g);
    records.grants.placed(g, '/root/.ssh/authorized_keys');
    const dest = new FakeRemote('new').answer({
      match: /vmigrate-ungrant/,
      code: 3,
      stderr: 'Read-only file system',
    });
    const said = await sweepGrants(
      { label: 'new', remote: dest, caps: capabilities() },
      records,
      silentLogger(),
    );
    expect(said[0]).toMatch(
      /the direct grant of run 1 on new could not be removed \(.*\); it expires at 2999-01-01/,
    );
    expect(records.grants.open()).toHaveLength(1);
    records.close();
  });
});
