/**
 * The life of a move run, from what the operator asked to its result: which domains, whether
 * the hosts can be reached and used (checked before any run is recorded, so a typo or a
 * refused login leaves no run behind for `resume` to trip over), a new run or the continuation
 * of the same one left unfinished, and `resume`. `--dry-run` plans every domain instead.
 */
import {
  combinedOutcome,
  describeError,
  outcomeOf,
  UsageError,
  type ErrorReport,
  type Outcome,
} from '../errors.js';
import { openPair } from '../hosts/open-hosts.js';
import type { HostSession } from '../hosts/session.js';
import type { Records } from '../state/records.js';
import type { MoveRequest, RunRecord } from '../state/run-journal.js';
import { allDomains, namedDomains, type DomainChoice } from './domain-choice.js';
import { chooseDataPath, type DataPath, type DataPathAsk } from './direct-path.js';
import { buildPlan, type Plan } from './plan.js';
import { applyServerSettings, carriable, compareServers, type ServerComparison } from './server-settings.js';
import { preflight } from './preflight.js';
import { runMove, type MoveRunContext, type MoveRunResult } from './run-move.js';

export type { DomainChoice } from './domain-choice.js';

export type MoveAsk = Omit<MoveRequest, 'domains'> & {
  choice: DomainChoice;
  /** --server: compare the server-level settings first (and carry `serverSettings`: keys, or 'all'). */
  server?: boolean | undefined;
  serverSettings?: string[] | 'all' | undefined;
};

export interface MoveEnv extends Omit<MoveRunContext, 'session'> {
  session: HostSession;
  /** The run this process drives, once it is recorded (`continued`: an earlier one taken up). */
  started?: (run: RunRecord, continued: boolean) => void;
}

/** Starts the move asked for, or continues the same move left unfinished, and drives it to its end. */
export async function startMove(ask: MoveAsk, env: MoveEnv): Promise<MoveRunResult> {
  const named = namedDomains(ask.choice);
  const hosts = await openPair(env.session, ask.from, ask.to);
  const { choice: _choice, server: _server, serverSettings, ...rest } = ask;
  // Flags left out arrive as undefined: the recorded request says false, as resume reads it.
  const request: MoveRequest = {
    ...rest,
    merge: rest.merge === true,
    skipUnrepresentable: rest.skipUnrepresentable === true,
    checksum: rest.checksum === true,
    compress: rest.compress === true,
    failFast: rest.failFast === true,
    deleteCopied: rest.deleteCopied === true,
    domains: named ?? (await allDomains(hosts)),
    ...(rest.fromSystem ? { fromSystem: rest.fromSystem } : {}),
  };
  const { runs } = env.records;
  // The same move asked again continues the run it left unfinished.
  const earlier = runs.findSame('move', request);
  const server = ask.server ? await compareServers(hosts, request.domains) : undefined;
  const asked = serverSettings === 'all' ? (server ? carriable(server) : []) : (serverSettings ?? []);
  const unknown = asked.filter((k) => !server?.differences.some((d) => d.key === k));
  if (unknown.length > 0)
    throw new UsageError(
      `--server-settings names ${unknown.join(', ')}, which do not differ (or are not settings vmigrate compares)`,
      {
        hint: 'the plan (--server --dry-run) lists the settings that differ',
      },
    );
  const run = earlier ? runs.adopt(earlier.id, request) : runs.create('move', request);
  env.started?.(run, earlier !== undefined);
  let settings: MoveRunResult['server'];
  if (server) {
    for (const d of server.differences)
      env.notice?.(`server setting ${d.key} differs between ${server.source} and ${server.dest} (${d.why})`);
    const done = await applyServerSettings(hosts, server, asked, `run${run.id}`);
    for (const a of done.applied)
      env.notice?.(
        `server setting ${a.key}: ${a.did} in ${a.path} on ${server.dest}${a.backup ? ` (as it was: ${a.backup})` : ''}`,
      );
    for (const l of done.left) env.notice?.(`server setting ${l.key}: ${l.why}`);
    settings = { ...server, ...done };
  }
  const result = await runMove(run, env, hosts, earlier !== undefined);
  return settings ? { ...result, server: settings } : result;
}

/** The source that gets the run's agent: only on the direct path. */
export function forwardTo(req: Pick<MoveRequest, 'dataPath' | 'from'>): string | undefined {
  return (req.dataPath ?? 'relay') === 'relay' ? undefined : req.from;
}

/** The run `resume` continues: the one named, or the newest move that did not finish. */
function runToResume(records: Records, id: number | undefined): RunRecord {
  const run = id === undefined ? records.runs.latestUnfinished() : records.runs.get(id);
  if (!run)
    throw new UsageError(
      id === undefined
        ? 'no unfinished run in this state store'
        : `there is no run ${id} in this state store`,
      { hint: 'vmigrate status lists the runs' },
    );
  if (run.command !== 'move')
    throw new UsageError(`run ${run.id} is a ${run.command}, not a move: run that command again instead`);
  if (run.status === 'abandoned')
    throw new UsageError(`run ${run.id} was abandoned; it cannot be continued`, {
      hint: 'run the move again: that starts a new run, and every stage reads both hosts first',
    });
  return run;
}

/**
 * Continues run `id` (default: the newest unfinished move) with the hosts as it knew them
 * (`openSession` gets the configuration files it was started with). A run that already
 * finished is reported, and nothing is reached.
 */
export async function resumeMove(
  id: number | undefined,
  env: Omit<MoveEnv, 'session'> & {
    /** The request's configuration files, and its source when the run's agent must be forwarded there. */
    openSession: (files: {
      configFile?: string | undefined;
      sshConfigFile?: string | undefined;
      forwardTo: string | undefined;
    }) => HostSession;
  },
): Promise<MoveRunResult> {
  const run = runToResume(env.records, id);
  if (run.status === 'done')
    return {
      run: run.id,
      continued: true,
      outcome: 'ok',
      status: 'done',
      outcomes: [],
      alreadyDone: run.request.domains,
      dataPath: undefined,
    };
  const session = env.openSession({ ...run.request, forwardTo: forwardTo(run.request) });
  const adopted = env.records.runs.adopt(run.id);
  env.started?.(adopted, true);
  return runMove(adopted, { ...env, session }, undefined, true);
}

export interface DomainPlan {
  domain: string;
  outcome: Outcome;
  plan?: Plan;
  error?: ErrorReport;
}

export interface DryRunResult {
  outcome: Outcome;
  plans: DomainPlan[];
  /** --server: the server-level settings that differ between the two hosts. */
  server?: ServerComparison;
  /** Which way the mail would go, and why (a plan of provisioning alone moves none). */
  dataPath?: Pick<DataPath, 'kind' | 'why'>;
}

/**
 * `--dry-run` and `plan`: every domain's plan, changing nothing. A domain that cannot be read
 * is reported with its plan's place and the others are still planned, as the real batch would.
 */
export async function planMoves(
  ask: {
    choice: DomainChoice;
    from: string;
    to: string;
    merge: boolean;
    skipUnrepresentable?: boolean;
    dataPath?: DataPathAsk | undefined;
    directAddress?: string | undefined;
    fromSystem?: MoveRequest['fromSystem'];
    /** Compare the server-level settings too (`--all --server`). */
    server?: boolean;
  },
  session: HostSession,
): Promise<DryRunResult> {
  const named = namedDomains(ask.choice);
  const hosts = await openPair(session, ask.from, ask.to);
  const path =
    ask.dataPath &&
    (await chooseDataPath(
      { asked: ask.dataPath, from: ask.from, to: ask.to, directAddress: ask.directAddress },
      hosts,
      session,
    ));
  const plans: DomainPlan[] = [];
  const domains = named ?? (await allDomains(hosts));
  const server = ask.server ? await compareServers(hosts, domains) : undefined;
  for (const domain of domains) {
    try {
      const plan = buildPlan(
        await preflight(domain, hosts.source, hosts.dest, {
          merge: ask.merge,
          skipUnrepresentable: ask.skipUnrepresentable === true,
          system: ask.fromSystem,
        }),
      );
      plans.push({ domain, outcome: plan.problems.length > 0 ? 'unfit' : 'ok', plan });
    } catch (error) {
      plans.push({ domain, outcome: outcomeOf(error), error: describeError(error) });
    }
  }
  return {
    outcome: combinedOutcome(plans.map((p) => p.outcome)),
    plans,
    ...(path ? { dataPath: { kind: path.kind, why: path.why } } : {}),
    ...(server ? { server } : {}),
  };
}
