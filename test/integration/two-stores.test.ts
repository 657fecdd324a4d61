/**
 * Two vmigrate processes with two state stores (two laptops, or one with another --state) on
 * one domain of one destination: the second is refused with exit 6, naming the holder, and
 * writes nothing there.
 */
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPair } from '../../src/hosts/open-hosts.js';
import { silentLogger } from '../../src/log/logger.js';
import { lockDomain } from '../../src/migration/domain-lock.js';
import { openRecords } from '../../src/state/records.js';
import { aMoveRequest } from '../helpers/builders.js';
import { runLabCli } from '../helpers/lab-cli.js';
import { labSession } from '../helpers/lab-session.js';
import { treeSnapshot, useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'catchfwd.example';

describe('two state stores on one domain', () => {
  const hosts = useMailHosts();
  const session = labSession();
  afterAll(async () => {
    await session.close();
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });

  it('the second is refused with exit 6 naming the first, and writes nothing', async () => {
    // The first vmigrate: this process, with a store of its own, holding the domain's lock.
    const first = openRecords(mkdtempSync(join(tmpdir(), 'first-store-')));
    const run = first.runs.create('move', aMoveRequest([DOMAIN]));
    const pair = await openPair(session, 'old', 'new');
    const lock = await lockDomain({
      dest: pair.dest,
      domain: DOMAIN,
      locks: first.locks,
      storeId: first.storeId,
      runId: run.id,
      breakLock: false,
      log: silentLogger(),
    });
    try {
      const before = await treeSnapshot(hosts.new);
      const second = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new']);
      expect(second.code, second.stdout + second.stderr).toBe(6);
      expect(second.stdout + second.stderr).toContain(
        `${DOMAIN} on new is locked by run ${run.id} of another vmigrate (process ${process.pid} on ${hostname()}`,
      );
      expect(await treeSnapshot(hosts.new)).toBe(before);
      // The lock still names the first.
      const owner = await hosts.new.sh(`cat ${lock.fence.dir}/owner`);
      expect(owner.stdout).toContain(`store=${first.storeId} run=${run.id} pid=${process.pid}`);
    } finally {
      await lock.release();
      first.close();
    }
    const after = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new']);
    expect(after.code, after.stdout + after.stderr).toBe(0);
  });
});
