/** What the source's ssh says of the destination, as a verdict for --data-path auto. */
import { describe, expect, it } from 'vitest';
import { sweptNotice } from '../../src/migration/direct-path.js';
import { reachVerdict, sweptLeftovers } from '../../src/migration/direct-reach.js';

const V = 'vmigrate-reach-version: OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017\n';
const at = '10.0.0.12:22';

describe('reachVerdict', () => {
  it('takes a refused login as reachable, and names the client', () => {
    expect(
      reachVerdict(`${V}root@10.0.0.12: Permission denied (publickey).\nvmigrate-reach-status: 255\n`, at),
    ).toEqual({
      ok: true,
      client: 'OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017',
    });
  });

  it('names an unreachable address, another server, and a source without ssh', () => {
    expect(
      reachVerdict(
        `${V}ssh: connect to host 10.0.0.12 port 22: Connection timed out\nvmigrate-reach-status: 255\n`,
        at,
      ),
    ).toEqual({
      ok: false,
      why: 'the source cannot reach 10.0.0.12:22: ssh: connect to host 10.0.0.12 port 22: Connection timed out',
    });
    expect(reachVerdict(`${V}Host key verification failed.\nvmigrate-reach-status: 255\n`, at)).toEqual({
      ok: false,
      why: 'the server the source reaches at 10.0.0.12:22 is not the destination (another host key)',
    });
    expect(reachVerdict('vmigrate-reach: no ssh client\n', at)).toEqual({
      ok: false,
      why: 'the source has no ssh client',
    });
  });
});

describe('the swept leftovers', () => {
  it('are read from the probe and told in one line', () => {
    const out = `vmigrate-reach-swept: /tmp/vmigrate-direct.aB3\nvmigrate-reach-swept: /var/tmp/vmigrate-direct.x y\n${V}`;
    expect(sweptLeftovers(out)).toEqual(['/tmp/vmigrate-direct.aB3', '/var/tmp/vmigrate-direct.x y']);
    expect(sweptLeftovers(V)).toEqual([]);
    const path = { kind: 'direct' as const, why: '', asked: 'auto' as const };
    expect(sweptNotice({ ...path, swept: [] }, 'old')).toBeUndefined();
    expect(sweptNotice({ ...path, swept: ['/tmp/vmigrate-direct.aB3'] }, 'old')).toBe(
      'removed 1 temporary directory that ended direct runs left on old: /tmp/vmigrate-direct.aB3',
    );
  });
});
