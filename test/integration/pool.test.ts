import { afterEach, describe, expect, it } from 'vitest';
import type { HostSession } from '../../src/hosts/session.js';
import { labSession, scratchConfig, lab } from '../helpers/lab-session.js';

let session: HostSession | undefined;
afterEach(() => session?.close());

async function runParallel(host: string, n: number) {
  const { remote, pool } = await session!.open(host);
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => remote.run(['sh', '-c', 'sleep 0.3; echo "$1"', 'sh', String(i)])),
  );
  return { outputs: results.map((r) => r.stdout.toString().trim()), stats: pool.stats };
}

describe('connection pool', () => {
  it('runs 30 channels at once on one host, more than sshd MaxSessions (10)', async () => {
    session = labSession();
    const { outputs, stats } = await runParallel('old', 30);
    expect(outputs).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(stats.peakChannels).toBe(30);
    expect(stats.connectionsOpened).toBe(3);
  });

  it("discovers a server's session limit when told to expect more, and still completes everything", async () => {
    const l = lab();
    const { config, knownHosts } = scratchConfig(
      [
        'hosts:',
        '  greedy:',
        '    host: old',
        '    maxSessions: 30',
        '    maxConnections: 4',
        `    knownHostsFile: ${l.client.knownHosts}`,
        '',
      ].join('\n'),
    );
    void knownHosts;
    session = labSession({ configFile: config });
    const { outputs, stats } = await runParallel('greedy', 30);
    expect(outputs).toHaveLength(30);
    expect(stats.sessionLimitSeen).toBe(10);
    expect(stats.connectionsOpened).toBe(3);
  });
});
