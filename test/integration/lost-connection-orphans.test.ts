/**
 * A command whose connection died keeps running on the server (sshd does not signal a session
 * without a terminal), and one whose sshd was frozen wakes up later. The next command on that
 * host kills it first, so that a retry never races the attempt it replaces.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HostSession } from '../../src/hosts/session.js';
import { FaultProxy } from '../lab/fault-proxy.js';
import { lab, proxiedSession } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

let session: HostSession | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await session?.close();
  await proxy?.close();
});

async function newThroughProxy(p: FaultProxy) {
  session = proxiedSession(await p.listen(), 'new');
  return session.open('proxied');
}

describe('processes of a lost connection', () => {
  const hosts = useMailHosts();
  const alive = async (tag: string) =>
    (await hosts.new.sh(`pgrep -f 'sleep ${tag}' || true`)).stdout.trim() !== '';

  it('are killed on the host before the next command runs there', async () => {
    proxy = new FaultProxy({ host: lab().hosts.new.address, port: 22 });
    const { remote } = await newThroughProxy(proxy);
    const tag = `${300 + Math.floor(Math.random() * 1000)}.25`;
    const proc = await remote.spawn(['sh', '-c', `sleep ${tag}; echo done`]);
    proc.stdout.resume();
    for (let i = 0; i < 100 && !(await alive(tag)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await alive(tag)).toBe(true);

    proxy.cutAll();
    const st = await proc.done;
    expect(st.lost).toBe(true);
    // The condition this guards against: the command outlived its connection.
    expect(await alive(tag)).toBe(true);

    await remote.run(['true']);
    expect(await alive(tag)).toBe(false);
  });

  it('spares a process of that pid that this controller did not start', async () => {
    // A stranger's sleep, started outside vmigrate: the reaper's mark is not in its environment.
    const tag = `${300 + Math.floor(Math.random() * 1000)}.75`;
    await hosts.new.sh(`(setsid sleep ${tag} >/dev/null 2>&1 &)`);
    const pid = (await hosts.new.sh(`pgrep -f 'sleep ${tag}'`)).stdout.trim();
    proxy = new FaultProxy({ host: lab().hosts.new.address, port: 22 });
    const { remote } = await newThroughProxy(proxy);
    // As if a lost command had had that pid.
    (remote as unknown as { orphans: Set<number> }).orphans.add(Number(pid));
    await remote.run(['true']);
    expect(await alive(tag)).toBe(true);
    await hosts.new.sh(`kill ${pid}`);
  });
});
