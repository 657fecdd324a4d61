/** Connect and probe a run's two hosts (in parallel: they are independent). */
import { UsageError } from '../errors.js';
import type { HostSession } from '../hosts/session.js';
import { probe } from '../remote/probe.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import { readInventory } from '../vpopmail/inventory.js';
import type { HostHandle } from './preflight.js';

const opened = new WeakMap<HostSession, Map<string, Promise<HostHandle>>>();

/** Resolve, connect and probe one host; once per session (a command may ask more than once). */
export function openHost(session: HostSession, arg: string): Promise<HostHandle> {
  const hosts = opened.get(session) ?? new Map<string, Promise<HostHandle>>();
  opened.set(session, hosts);
  let host = hosts.get(arg);
  if (!host) {
    host = (async () => {
      const spec = await session.resolve(arg);
      const { remote } = await session.open(arg);
      const caps = await probe(remote, { vpopmailDir: spec.vpopmailDir, qmailDir: spec.qmailDir });
      return { label: remote.label, remote, caps };
    })();
    hosts.set(arg, host);
    // A failed open may be tried again.
    host.catch(() => hosts.delete(arg));
  }
  return host;
}

export async function openPair(
  session: HostSession,
  from: string,
  to: string,
): Promise<{ source: HostHandle; dest: HostHandle }> {
  if (from === to) throw new UsageError(`--from and --to name the same host (${from})`);
  const [source, dest] = await Promise.all([openHost(session, from), openHost(session, to)]);
  return { source, dest };
}

/** Both hosts and the domain as each has it now (sync and verify work on both sides). */
export async function openDomainOnBoth(
  session: HostSession,
  domain: string,
  from: string,
  to: string,
): Promise<{ hosts: { source: HostHandle; dest: HostHandle }; source: Inventory; dest: Inventory }> {
  const hosts = await openPair(session, from, to);
  const [source, dest] = await Promise.all([
    readInventory(hosts.source.remote, hosts.source.caps, domain),
    readInventory(hosts.dest.remote, hosts.dest.caps, domain),
  ]);
  return { hosts, source, dest };
}
