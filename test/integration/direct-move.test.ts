/**
 * Whole moves on the direct data path (issue 20), through the CLI over real sshd: the
 * controller reaches both servers through fault proxies (its own links, counted, cut at will)
 * while the servers reach each other over the lab bridge. A whole move, kill -9 and resume,
 * Ctrl-C, cut connections: each verified by checksum, and after each no authorized_keys line
 * of vmigrate is left on the destination and no file of the sender's on the source.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../lab/fault-proxy.js';
import { freshStateDir, resultOf, spawnLabCli, verifyChecksums } from '../helpers/lab-cli.js';
import type { ChildProcess } from 'node:child_process';
import { LAB_OPERATOR } from '../lab/lab.js';
import { lab, operatorConfig, proxiedPairConfig } from '../helpers/lab-session.js';
import { duplicateMessages, useMailHosts, type LabMailHost } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';
const PAIR = ['--from', 'oldp', '--to', 'newp'];
/** The CLI through the proxies: a child process, so that the proxies in this process keep pumping. */
const cli = (args: string[], state: string, config: string) => spawnLabCli(args, { state, config }).result;

async function dropDomain(h: LabMailHost) {
  await h.sh(`${h.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
}

describe('moves on the direct data path', () => {
  const hosts = useMailHosts();
  const l = () => lab();
  let oldProxy: FaultProxy;
  let newProxy: FaultProxy;
  let config = '';

  beforeAll(async () => {
    // Lines other tests' killed runs left (each in a store of its own, so no run removes them).
    await hosts.new.sh("sed -i '/ vmigrate-direct [0-9]/d' /root/.ssh/authorized_keys 2>/dev/null; true");
    oldProxy = new FaultProxy({ host: l().hosts.old.address, port: l().hosts.old.port });
    newProxy = new FaultProxy({ host: l().hosts.new.address, port: l().hosts.new.port });
    config = proxiedPairConfig({ old: await oldProxy.listen(), new: await newProxy.listen() });
  });
  afterEach(async () => {
    // Nothing of the run's is left on either server, whatever happened to it (then cleared,
    // so that one failure does not fail the next test).
    const lines = await grantLines();
    const files = await hosts.old.sh('ls -d "${TMPDIR:-/tmp}"/vmigrate-direct.* 2>/dev/null; true');
    await hosts.new.sh("sed -i '/ vmigrate-direct [0-9]/d' /root/.ssh/authorized_keys 2>/dev/null; true");
    await hosts.old.sh('rm -rf "${TMPDIR:-/tmp}"/vmigrate-direct.*');
    await dropDomain(hosts.new);
    expect(lines, 'grant lines left on new').toBe(0);
    expect(files.stdout, "the sender's files left on old").toBe('');
  });
  afterAll(async () => {
    await oldProxy.close();
    await newProxy.close();
  });

  const verified = async (state: string) => {
    const v = await verifyChecksums(DOMAIN, { from: 'oldp', to: 'newp' }, { state, config });
    expect(v.problems, v.out).toBe(0);
    expect(await duplicateMessages(hosts.new, DOMAIN)).toBe('');
  };
  const grantLines = async () =>
    Number(
      (await hosts.new.sh('grep -c vmigrate-direct /root/.ssh/authorized_keys 2>/dev/null; true')).stdout,
    );

  it("moves a domain from server to server: the controller's links carry none of the mail", async () => {
    const before = oldProxy.bytes + newProxy.bytes;
    const state = freshStateDir();
    const r = spawnLabCli(['move', DOMAIN, ...PAIR, '--data-path', 'direct', '--json'], { state, config });
    const done = await r.result;
    expect(done.code, `${done.stdout}\n${done.stderr}`).toBe(0);
    const result = resultOf<{
      dataPath: { kind: string; why: string };
      domains: Array<{ transfer: { contentBytes: number; streamBytes: number } }>;
    }>(done.stdout);
    expect(result.dataPath.kind).toBe('direct');
    expect(result.dataPath.why).toMatch(/^direct: oldp reaches [\d.]+:22 \(OpenSSH/);
    expect(done.log).toMatch(/"msg":"direct data path granted"/);
    const content = result.domains[0]!.transfer.contentBytes;
    expect(content).toBeGreaterThan(15_000_000);
    // Progress came from tar's checkpoints on the source: the whole stream counted.
    expect(result.domains[0]!.transfer.streamBytes).toBeGreaterThanOrEqual(content);
    // Inventories, listings and commands only: a small fraction of the mail moved.
    const controller = oldProxy.bytes + newProxy.bytes - before;
    expect(controller).toBeLessThan(content / 5);
    await verified(state);
  });

  /** A direct move, one stream at a time; `act` runs once its first mailbox is done. */
  const moveActingAtFirstMailbox = async (state: string, act: (child: ChildProcess) => void) => {
    const child = spawnLabCli(
      ['move', DOMAIN, ...PAIR, '--data-path', 'direct', '--json-events', '--concurrency', '1'],
      { state, config },
    );
    let acted = false;
    child.stdout.on('data', (d: string) => {
      if (!acted && /"event":"mailbox-done"/.test(d)) {
        acted = true;
        act(child);
      }
    });
    const r = await child.result;
    expect(acted, r.stdout).toBe(true);
    return r;
  };
  const stoppedMove = (state: string, signal: NodeJS.Signals) =>
    moveActingAtFirstMailbox(state, (child) => child.kill(signal));

  it('kill -9 in the middle of the transfer, then resume: the leftover grant is removed, the move completes', async () => {
    const state = freshStateDir();
    expect((await stoppedMove(state, 'SIGKILL')).code).toBe(null);
    // Journaled before it was written, still on the destination: the run could not remove it.
    expect(await grantLines()).toBe(1);
    const r = await cli(['resume'], state, config);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /removed the direct grant of run 1 left in \/root\/\.ssh\/authorized_keys on newp/,
    );
    expect(r.stdout + r.stderr).toMatch(/data path: direct: oldp reaches/);
    await verified(state);
  });

  it('Ctrl-C takes the grant off before it exits; resume finishes the move', async () => {
    const state = freshStateDir();
    const first = await stoppedMove(state, 'SIGINT');
    expect(first.code, first.stderr).toBe(130);
    expect(await grantLines()).toBe(0);
    const r = await cli(['resume'], state, config);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    await verified(state);
  });

  it("recovers when the controller's connections to both servers are cut mid-transfer", async () => {
    const state = freshStateDir();
    const before = oldProxy.connections;
    // Streams of the next mailboxes are under way: their commands, the holder of the shared
    // connection and the agent all go with the cut.
    const r = await moveActingAtFirstMailbox(state, () => {
      oldProxy.cutAll();
      newProxy.cutAll();
    });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    // It connected again, and the rest went direct too.
    expect(oldProxy.connections - before).toBeGreaterThanOrEqual(2);
    expect(resultOf<{ dataPath: { kind: string } }>(r.stdout).dataPath.kind).toBe('direct');
    await verified(state);
  });

  it("logs in as an operator with sudo on both sides, compressed: the grant is the login's, the extractor runs as root", async () => {
    const ops = operatorConfig();
    const state = freshStateDir();
    const r = await cli(
      ['move', DOMAIN, '--from', 'oldop', '--to', 'newop', '--data-path', 'direct', '--compress', '--json'],
      state,
      ops,
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(resultOf<{ dataPath: { kind: string } }>(r.stdout).dataPath.kind).toBe('direct');
    expect(r.log).toMatch(/"file":"\/home\/vmig\/\.ssh\/authorized_keys","sourceSeenAs"/);
    const left = await hosts.new.sh(
      `grep -c vmigrate-direct ~${LAB_OPERATOR.name}/.ssh/authorized_keys; true`,
    );
    expect(left.stdout.trim()).toBe('0');
    const v = await verifyChecksums(DOMAIN, { from: 'oldop', to: 'newop' }, { state, config: ops });
    expect(v.problems, v.out).toBe(0);
  });

  it('auto takes the relay when the source cannot reach the destination, and says why; direct refuses', async () => {
    const state = freshStateDir();
    const away = ['--direct-address', '127.0.0.1:9'];
    const plan = await cli(['plan', DOMAIN, ...PAIR, '--data-path', 'auto', ...away], state, config);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /^Data path: the relay, because the source cannot reach 127\.0\.0\.1:9: .*refused/m,
    );
    const direct = await cli(['move', DOMAIN, ...PAIR, '--data-path', 'direct', ...away], state, config);
    expect(direct.code).toBe(5);
    expect(direct.stderr).toMatch(/--data-path direct: the source cannot reach 127\.0\.0\.1:9/);
    expect(direct.stderr).toMatch(/hint: set directAddress in newp's profile or pass --direct-address/);
    const moved = await cli(
      ['move', DOMAIN, ...PAIR, '--data-path', 'auto', ...away, '--json'],
      state,
      config,
    );
    expect(moved.code, moved.stderr).toBe(0);
    expect(resultOf<{ dataPath: { kind: string } }>(moved.stdout).dataPath.kind).toBe('relay');
    await verified(state);
  });

  it('when the grant does not answer, direct stops before any message moves and auto goes by the relay, saying why', async () => {
    // The grant admits the source from its directFrom addresses only: here one it never has,
    // so the source reaches the destination but its login is refused.
    const wrongFrom = join(dirname(config), 'vmigrate-wrong-from.yaml');
    writeFileSync(
      wrongFrom,
      readFileSync(config, 'utf8').replace('  newp:', '    directFrom: 192.0.2.1\n  newp:'),
    );
    const direct = await cli(['move', DOMAIN, ...PAIR, '--data-path', 'direct'], freshStateDir(), wrongFrom);
    expect(direct.code, direct.stderr).toBe(5);
    expect(direct.stdout).toMatch(
      /example\.com: FAILED in transferring: --data-path direct: the grant for example\.com does not answer: oldp could not log in to newp: .*Permission denied/,
    );
    const messages = await hosts.new.sh(
      `find "$(${hosts.new.home}/bin/vdominfo -d ${DOMAIN})" \\( -path '*/cur/*' -o -path '*/new/*' \\) -type f | wc -l`,
    );
    expect(messages.stdout.trim()).toBe('0');
    expect(await grantLines()).toBe(0);
    await dropDomain(hosts.new);

    const state = freshStateDir();
    const auto = spawnLabCli(['move', DOMAIN, ...PAIR, '--data-path', 'auto'], { state, config: wrongFrom });
    const moved = await auto.result;
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.log).toMatch(/"msg":"direct data path refused: the domain goes by the relay"/);
    expect(moved.log).not.toMatch(/"msg":"direct data path granted"/);
    await verified(state);
  });
});
