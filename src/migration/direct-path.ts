/**
 * Which way a run's mail travels, and the direct data path's life in it. `relay`: through the
 * controller. `direct`: from the source's tar -c straight into the destination's sshd, the
 * source's own ssh logging in with the run's key (held only by the controller's in-process
 * agent) to a grant line that lets it unpack into one domain and do nothing else (see
 * direct-grant.ts and docs/ARCHITECTURE.md). `auto`: direct when the source reaches the
 * destination and the grant answers, the relay otherwise; the run says which and why.
 *
 * Grants are per domain, journaled in the state store before each line is written and removed
 * when the domain ends; what a killed run left is removed by the next run, resume or cleanup
 * on that destination, and a line that cannot be removed expires by itself.
 */
import { PreconditionError } from '../errors.js';
import { isTransient } from '../retry.js';
import type { HostHandle, HostPair } from '../hosts/open-hosts.js';
import type { HostSession } from '../hosts/session.js';
import type { Logger } from '../log/logger.js';
import { startMaster, type DirectMaster } from '../maildir/direct-master.js';
import { directHello, directTree, type DirectRoute } from '../maildir/direct-tree.js';
import { DIRECT_SLICES, type SliceShape } from '../maildir/chunks.js';
import { EXTRACT_SCRIPT, relayTree, type TreeStream } from '../maildir/tar-relay.js';
import type { Remote } from '../remote/remote.js';
import type { Records } from '../state/records.js';
import type { MoveRequest } from '../state/run-journal.js';
import { grantLine, grantMarker } from './direct-grant.js';
import { grantFileFor, installGrant, removeGrant } from './direct-grant-remote.js';
import { probeReach } from './direct-reach.js';

export type DataPathAsk = NonNullable<MoveRequest['dataPath']>;
export const DATA_PATHS: readonly DataPathAsk[] = ['auto', 'direct', 'relay'];
/** Chosen from the measurements in docs/performance.md: see "Picking the data path". */
export const DEFAULT_DATA_PATH: DataPathAsk = 'auto';

/** How long a grant line works; it is written again before a stream once half of that is gone. */
const GRANT_LIFE_MS = 2 * 3600_000;

export interface DataPath {
  kind: 'relay' | 'direct';
  /** In the operator's words: which, and why. */
  why: string;
  asked: DataPathAsk;
  /** The direct path's: where the source's ssh goes and what it checks. */
  route?: DirectRoute;
  /** The source's addresses, as the grant line's from= (the destination checks them). */
  from?: string[];
  /** The destination's login is not root: the extractor runs through sudo -n. */
  sudo?: boolean;
  /** The run's agent (forwarded to the source): a key of its own for each grant. */
  agent?: RunKeys;
  /** Temporary directories of ended direct runs that the reach probe removed from the source. */
  swept?: string[];
}

/** What the operator is told of the source's leftovers the probe removed, if any. */
export function sweptNotice(path: DataPath, source: string): string | undefined {
  const n = path.swept?.length ?? 0;
  if (n === 0) return undefined;
  return `removed ${n} temporary director${n === 1 ? 'y' : 'ies'} that ended direct runs left on ${source}: ${path.swept!.join(', ')}`;
}

/** What the direct path asks of the run's agent (src/ssh/ephemeral-agent.ts). */
export interface RunKeys {
  addKey(): string;
  dropKey(publicKey: string): void;
  readonly publicKey: string;
}

/** `host[:port]`, `[v6]:port` or a bare IPv6 address. */
export function parseAddress(text: string, port: number): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1] ?? '', port: v6[2] ? Number(v6[2]) : port };
  const m = /^([^:]+):(\d+)$/.exec(text);
  return m ? { host: m[1] ?? '', port: Number(m[2]) } : { host: text, port };
}

// The source's own addresses: what the destination sees it connect from, unless a NAT is in
// between (then the profile's directFrom says). Link-local addresses carry a zone sshd's
// from= cannot match; loopback is never the way to another server.
const ADDRESSES = `
{ hostname -I 2>/dev/null ||
  ip -o addr show 2>/dev/null | awk '{ sub(/\\/.*/, "", $4); print $4 }' ||
  ifconfig -a 2>/dev/null | awk '$1 == "inet" || $1 == "inet6" { sub(/^addr:/, "", $2); sub(/%.*/, "", $2); print $2 }'
} | tr ' ' '\\n' | grep -v -e '^$' -e '^127\\.' -e '^::1$' -e '^fe80:' | sort -u
`;

export async function sourceAddresses(source: Remote): Promise<string[]> {
  const r = await source.run(['sh', '-c', ADDRESSES]);
  return r.stdout
    .toString()
    .split('\n')
    .filter((a) => /^[0-9A-Fa-f:.]+$/.test(a));
}

export interface DataPathAskFor {
  asked: DataPathAsk;
  from: string;
  to: string;
  /** --direct-address: how the source reaches the destination, over the profile's. */
  directAddress?: string | undefined;
}

const chosen = new WeakMap<HostSession, Map<string, Promise<DataPath>>>();

/**
 * Decides the run's data path, once per session (a batch of domains asks once), quickly: for
 * direct and auto the source's ssh is asked to reach the destination's sshd and check its host
 * key (nothing is logged in or written).
 */
export function chooseDataPath(
  ask: DataPathAskFor,
  hosts: HostPair,
  session: HostSession,
): Promise<DataPath> {
  const memo = chosen.get(session) ?? new Map<string, Promise<DataPath>>();
  chosen.set(session, memo);
  const key = JSON.stringify(ask);
  let path = memo.get(key);
  if (!path) {
    path = decide(ask, hosts, session);
    memo.set(key, path);
    path.catch(() => memo.delete(key));
  }
  return path;
}

async function decide(ask: DataPathAskFor, hosts: HostPair, session: HostSession): Promise<DataPath> {
  if (ask.asked === 'relay') return { kind: 'relay', asked: 'relay', why: 'the relay (--data-path relay)' };
  const agent = session.forwarded(ask.from);
  if (!agent)
    throw new Error('the direct data path needs the session to forward the run agent to the source');
  const [dest, sourceSpec] = await Promise.all([session.open(ask.to), session.resolve(ask.from)]);
  const hostKey = dest.pool.hostKey?.publicKey;
  if (!hostKey) throw new Error(`no verified host key for ${ask.to}`);
  const at = parseAddress(ask.directAddress ?? dest.spec.directAddress ?? dest.spec.hostname, dest.spec.port);
  const route: DirectRoute = {
    label: hosts.dest.label,
    hostKey,
    runKey: agent.publicKey,
    host: at.host,
    port: at.port,
    login: dest.spec.user,
  };
  const reach = await probeReach(hosts.source.remote, route);
  const swept = reach.swept;
  if (!reach.ok) {
    if (ask.asked === 'auto')
      return { kind: 'relay', asked: 'auto', why: `the relay, because ${reach.why}`, swept };
    throw new PreconditionError(`--data-path direct: ${reach.why}`, {
      host: hosts.source.label,
      hint: `set directAddress in ${ask.to}'s profile or pass --direct-address HOST[:PORT] (how ${ask.from} reaches it), or use --data-path relay`,
    });
  }
  const from = sourceSpec.directFrom ?? (await sourceAddresses(hosts.source.remote));
  if (from.length === 0)
    throw new PreconditionError(`${ask.from} has no address to name in the grant's from=`, {
      host: hosts.source.label,
      hint: `set directFrom in ${ask.from}'s profile, or use --data-path relay`,
    });
  return {
    kind: 'direct',
    asked: ask.asked,
    why: `direct: ${hosts.source.label} reaches ${route.host}:${route.port}${reach.client ? ` (${reach.client})` : ''}`,
    route,
    from,
    sudo: dest.spec.sudo,
    agent,
    swept,
  };
}

export interface DomainStreams {
  /**
   * How each of the domain's trees travels: once the grant answers, straight from the source;
   * by the relay where auto found it does not (and for the directories-only streams).
   */
  tree: TreeStream;
  /** How the domain is cut into streams on this path. */
  slices: SliceShape;
  /**
   * Settles once the grant was written and answered, or auto gave up on it; rejects with the
   * reason the domain must stop (`--data-path direct` refused, a connection lost). Streams
   * wait for it; a caller that sees it reject stops its transfer and throws that reason.
   */
  opened: Promise<void>;
  /** Takes the grant off the destination (logged, never thrown: the line expires anyway). */
  close(): Promise<void>;
}

export interface GrantPlace {
  runId: number;
  domain: string;
  /** The domain directory on the destination: every stream unpacks below it. */
  domainDir: string;
  owner: { uid: number; gid: number };
}

/**
 * The domain's streams on the direct path: its grant written (journaled first) and checked
 * with a hello through the domain's one login, while the caller goes on to list the mailboxes
 * (the login takes about a quarter of a second, as long as the first listings). Undefined on
 * the relay.
 */
export function openDirectStreams(
  path: DataPath,
  place: GrantPlace,
  hosts: HostPair,
  records: Records,
  log: Logger,
): DomainStreams | undefined {
  if (path.kind !== 'direct' || !path.route || !path.agent) return undefined;
  const agent = path.agent;
  // A key of the domain's own: sshd takes the first line whose key matches.
  const route: DirectRoute = { ...path.route, runKey: agent.addKey() };
  const marker = grantMarker(place.runId, place.domain);
  const journal = { runId: place.runId, destination: hosts.dest.label, marker };
  let file: string | undefined;
  let writtenAt = 0;
  const write = async () => {
    const expires = new Date(Date.now() + GRANT_LIFE_MS);
    records.grants.record({ ...journal, login: route.login, expiresAt: expires.toISOString() });
    const line = grantLine({
      publicKey: route.runKey,
      from: path.from ?? [],
      expires,
      domainDir: place.domainDir,
      owner: `${place.owner.uid}:${place.owner.gid}`,
      extractScript: EXTRACT_SCRIPT,
      sudo: path.sudo === true,
      marker,
    });
    // A line of an earlier attempt at this domain goes first: one line per marker.
    if (file) await removeGrant(hosts.dest.remote, file, marker);
    file = await installGrant(hosts.dest.remote, {
      login: route.login,
      sourceAddress: path.from?.[0] ?? '127.0.0.1',
      line,
    });
    records.grants.placed(journal, file);
    writtenAt = Date.now();
  };
  const remove = async () => {
    if (file) await removeGrant(hosts.dest.remote, file, marker);
    records.grants.removed(journal);
    agent.dropKey(route.runKey);
  };
  // One login for all the domain's streams (a login each cost more than a slice's bytes), and
  // the gatekeeper's hello through it: the grant works, before any mail moves. The master
  // that answered, or undefined where auto goes by the relay.
  const opening = (async (): Promise<DirectMaster | undefined> => {
    let master: DirectMaster | undefined;
    try {
      await write();
      master = await startMaster(hosts.source.remote, route);
      const seen = await directHello(hosts.source.remote, { ...route, controlPath: master.controlPath });
      log.info({ domain: place.domain, file, sourceSeenAs: seen }, 'direct data path granted');
      return master;
    } catch (error) {
      await master?.stop().catch(() => {});
      await remove().catch(() => {});
      const why = (error as Error).message;
      // A lost connection is the run's to retry (or to stop on), not a verdict on the grant.
      if (path.asked !== 'auto' && isTransient(error)) throw error;
      if (path.asked !== 'auto')
        throw new PreconditionError(
          `--data-path direct: the grant for ${place.domain} does not answer: ${why}`,
          {
            host: hosts.dest.label,
            hint: `check that ${hosts.source.label}'s sshd forwards agents (AllowAgentForwarding) and that its address is in directFrom; or use --data-path relay`,
          },
        );
      log.warn({ domain: place.domain, err: why }, 'direct data path refused: the domain goes by the relay');
      return undefined;
    }
  })();
  // Heard through `opened` and by every stream; never left rejecting unheard.
  opening.catch(() => {});
  let rewriting: Promise<void> | undefined;
  const fresh = () => {
    if (Date.now() - writtenAt < GRANT_LIFE_MS / 2) return Promise.resolve();
    rewriting ??= write().finally(() => (rewriting = undefined));
    return rewriting;
  };
  return {
    // Directories whose modes are set again after files came in go by the relay: the
    // gatekeeper unpacks staged streams only, and these carry no message.
    tree: async (source, dest, job) => {
      if (job.extract === 'direct') return relayTree(source, dest, job);
      const master = await opening;
      if (!master) return relayTree(source, dest, job);
      await fresh();
      return directTree(source, job, { ...route, controlPath: master.controlPath });
    },
    slices: DIRECT_SLICES,
    opened: opening.then(() => undefined),
    close: async () => {
      // A grant that did not answer was taken off already.
      const master = await opening.catch(() => undefined);
      if (!master) return;
      try {
        await master.stop().catch(() => {});
        await remove();
      } catch (error) {
        log.warn(
          { domain: place.domain, file, err: (error as Error).message },
          'the direct grant could not be removed: it expires by itself, and the next run or resume on this destination removes it',
        );
      }
    },
  };
}

/**
 * The signal for a transfer on `direct`'s streams: the run's, and the grant's failure, which
 * stops the transfer before any stream (the caller then throws `direct.opened`'s reason).
 */
export function transferSignal(
  direct: DomainStreams | undefined,
  runSignal: AbortSignal | undefined,
): AbortSignal | undefined {
  if (!direct) return runSignal;
  const stop = new AbortController();
  direct.opened.catch((error: unknown) => stop.abort(error));
  return runSignal ? AbortSignal.any([runSignal, stop.signal]) : stop.signal;
}

/**
 * Removes the grant lines that runs which are no longer running left on `dest` (killed, or
 * their connection lost before the removal); `alsoRun`: the run this process continues, whose
 * lines are an earlier attempt's. What it removed or could not, in the operator's words.
 */
export async function sweepGrants(
  dest: HostHandle,
  records: Records,
  log: Logger,
  alsoRun?: number,
): Promise<string[]> {
  const said: string[] = [];
  for (const g of records.grants.open(dest.label)) {
    if (g.runId !== alsoRun && records.runs.get(g.runId)?.status === 'running') continue;
    const expired = g.expiresAt !== undefined && Date.parse(g.expiresAt) < Date.now();
    try {
      const file = g.file ?? (await grantFileFor(dest.remote, g.login));
      const n = await removeGrant(dest.remote, file, g.marker);
      records.grants.removed(g);
      if (n > 0) {
        said.push(
          `removed the direct grant of run ${g.runId} left in ${file} on ${dest.label}${expired ? ' (expired already)' : ''}`,
        );
        log.info({ run: g.runId, file, marker: g.marker, expired }, 'leftover direct grant removed');
      }
    } catch (error) {
      said.push(
        `the direct grant of run ${g.runId} on ${dest.label} could not be removed (${(error as Error).message}); ${expired ? 'it has expired and is harmless' : `it expires at ${g.expiresAt ?? 'its set time'}`}`,
      );
      log.warn({ run: g.runId, marker: g.marker, err: (error as Error).message }, 'leftover direct grant');
    }
  }
  return said;
}
