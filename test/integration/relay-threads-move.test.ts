/**
 * Whole moves on the relay with its channels on stream threads (VMIGRATE_RELAY_THREADS=on),
 * through the CLI over real sshd and fault proxies on the controller's links: a move, Ctrl-C
 * and resume, connections cut mid-transfer, and a sudo login with compression. Each verified
 * by checksum.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../lab/fault-proxy.js';
import { freshStateDir, resultOf, spawnLabCli, verifyChecksums } from '../helpers/lab-cli.js';
import { lab, operatorConfig, proxiedPairConfig } from '../helpers/lab-session.js';
import { duplicateMessages, useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';
// The relay, not auto: the proxied pair's servers reach each other, auto would go direct.
const PAIR = ['--from', 'oldp', '--to', 'newp', '--data-path', 'relay'];
const THREADS = { VMIGRATE_RELAY_THREADS: 'on' };

/** The log records of a run that tell where the relay's channels ran. */
function threadRecords(log: string): { opened: string[]; closed: Array<{ host: string; busyMs: number }> } {
  const records = log
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; host: string; thread?: string; busyMs: number });
  return {
    opened: records
      .filter((r) => r.msg === 'ssh connection opened' && r.thread === 'stream')
      .map((r) => r.host),
    closed: records.filter((r) => r.msg === 'stream thread closed'),
  };
}

describe('moves on the relay with stream threads', () => {
  const hosts = useMailHosts();
  let oldProxy: FaultProxy;
  let newProxy: FaultProxy;
  let config = '';
  const cli = (args: string[], state: string, cfg = config) =>
    spawnLabCli(args, { state, config: cfg, env: THREADS });

  beforeAll(async () => {
    oldProxy = new FaultProxy({ host: lab().hosts.old.address, port: lab().hosts.old.port });
    newProxy = new FaultProxy({ host: lab().hosts.new.address, port: lab().hosts.new.port });
    config = proxiedPairConfig({ old: await oldProxy.listen(), new: await newProxy.listen() });
  });
  afterEach(async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });
  afterAll(async () => {
    await oldProxy.close();
    await newProxy.close();
  });

  const verified = async (state: string, from = 'oldp', to = 'newp', cfg = config) => {
    const v = await verifyChecksums(DOMAIN, { from, to }, { state, config: cfg });
    expect(v.problems, v.out).toBe(0);
    expect(await duplicateMessages(hosts.new, DOMAIN)).toBe('');
  };

  it("moves a domain with each host's streams on a thread of its own", async () => {
    const state = freshStateDir();
    const r = await cli(['move', DOMAIN, ...PAIR, '--json'], state).result;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const content = resultOf<{ domains: Array<{ transfer: { contentBytes: number; streamBytes: number } }> }>(
      r.stdout,
    ).domains[0]!.transfer;
    expect(content.contentBytes).toBeGreaterThan(15_000_000);
    // Progress came from the destination's thread: the whole stream counted.
    expect(content.streamBytes).toBeGreaterThanOrEqual(content.contentBytes);
    const t = threadRecords(r.log);
    expect([...new Set(t.opened)].sort()).toEqual(['newp', 'oldp']);
    expect(t.closed.map((c) => c.host).sort()).toEqual(['newp', 'oldp']);
    expect(r.log).toMatch(/"relayThreads":true,"msg":"main thread"/);
    await verified(state);
  });

  it('Ctrl-C mid-transfer stops it; resume finishes the move', async () => {
    const state = freshStateDir();
    const child = cli(['move', DOMAIN, ...PAIR, '--json-events', '--concurrency', '1'], state);
    let stopped = false;
    child.stdout.on('data', (d: string) => {
      if (!stopped && /"event":"mailbox-done"/.test(d)) {
        stopped = true;
        child.kill('SIGINT');
      }
    });
    const first = await child.result;
    expect(stopped, first.stdout).toBe(true);
    expect(first.code, first.stderr).toBe(130);
    const r = await cli(['resume'], state).result;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    await verified(state);
  });

  it("recovers when the controller's connections to both servers are cut mid-transfer", async () => {
    const state = freshStateDir();
    const before = oldProxy.connections + newProxy.connections;
    const child = cli(['move', DOMAIN, ...PAIR, '--json-events', '--concurrency', '2'], state);
    let cut = false;
    child.stdout.on('data', (d: string) => {
      if (!cut && /"event":"mailbox-done"/.test(d)) {
        cut = true;
        oldProxy.cutAll();
        newProxy.cutAll();
      }
    });
    const r = await child.result;
    expect(cut, r.stdout).toBe(true);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    // The main connections and the threads' connected again.
    expect(oldProxy.connections + newProxy.connections - before).toBeGreaterThanOrEqual(6);
    await verified(state);
  });

  it('logs in as an operator with sudo on both sides, compressed', async () => {
    const ops = operatorConfig();
    const state = freshStateDir();
    const r = await cli(
      ['move', DOMAIN, '--from', 'oldop', '--to', 'newop', '--data-path', 'relay', '--compress', '--json'],
      state,
      ops,
    ).result;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect([...new Set(threadRecords(r.log).opened)].sort()).toEqual(['newop', 'oldop']);
    await verified(state, 'oldop', 'newop', ops);
  });
});
