/** A host of a run, connected and probed; and the two hosts of a pair, opened in parallel. */
import { UsageError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { probe, type Capabilities } from './probe.js';
import type { HostSession } from './session.js';

export interface HostHandle {
  label: string;
  remote: Remote;
  caps: Capabilities;
}

export interface HostPair {
  source: HostHandle;
  dest: HostHandle;
}

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

/** The same name twice is refused before anything is resolved: a usage error. */
function checkPair(from: string, to: string): void {
  if (from === to) throw new UsageError(`--from and --to name the same host (${from})`);
}

export async function openPair(session: HostSession, from: string, to: string): Promise<HostPair> {
  checkPair(from, to);
  const [source, dest] = await Promise.all([openHost(session, from), openHost(session, to)]);
  return { source, dest };
}
