/**
 * One domain, a list file or every domain of the source, for the commands that act on a
 * domain (sync, verify, cutover, cleanup): the choice read from the command line, each domain
 * run in turn (a domain that fails does not stop the others), and one result for all of them.
 * With one domain named, the command's result is that domain's, as it always was.
 */
import { Args, Flags } from '@oclif/core';
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
import { chosenDomains, type DomainChoice } from '../migration/domain-choice.js';
import type { CommandResult } from './base-command.js';

export const optionalDomainArg = {
  domain: Args.string({ description: 'the domain (IDN as punycode); or use --list or --all' }),
};

export const batchFlags = {
  list: Flags.string({ description: 'a file naming the domains, one per line (# comments)' }),
  all: Flags.boolean({
    description: 'every domain of the source (alias domains come with their real domain)',
  }),
};

export function domainChoiceOf(
  domain: string | undefined,
  flags: { list?: string | undefined; all: boolean },
): DomainChoice {
  const named = [domain !== undefined, flags.list !== undefined, flags.all].filter(Boolean).length;
  if (named !== 1) throw new UsageError('name one domain, or --list FILE, or --all');
  if (domain !== undefined) return { domain };
  return flags.list !== undefined ? { listFile: flags.list } : { all: true };
}

export interface DomainEnded<T> {
  domain: string;
  outcome: Outcome;
  data?: T;
  error?: ErrorReport;
}

export type PerDomain<T> = { batch: false; one: T } | { batch: true; domains: DomainEnded<T>[] };

/** Runs `one` for each domain in turn; errors become that domain's outcome. */
export async function forEachDomain<T>(
  domains: readonly string[],
  one: (domain: string) => Promise<CommandResult<T>>,
  o: { signal: AbortSignal; ended?: (d: DomainEnded<T>) => void },
): Promise<CommandResult<PerDomain<T>>> {
  const ended: DomainEnded<T>[] = [];
  for (const domain of domains) {
    if (o.signal.aborted) {
      ended.push({ domain, outcome: 'interrupted' });
      continue;
    }
    let d: DomainEnded<T>;
    try {
      const r = await one(domain);
      d = { domain, outcome: r.outcome, data: r.data };
    } catch (error) {
      d = { domain, outcome: outcomeOf(error), error: describeError(error) };
    }
    ended.push(d);
    o.ended?.(d);
  }
  return { outcome: combinedOutcome(ended.map((d) => d.outcome)), data: { batch: true, domains: ended } };
}

export function perDomainJson<T>(r: PerDomain<T>, one: (t: T) => unknown): unknown {
  if (!r.batch) return one(r.one);
  return {
    domains: r.domains.map((d) => ({
      domain: d.domain,
      outcome: d.outcome,
      ...(d.data !== undefined ? { result: one(d.data) } : {}),
      ...(d.error ? { error: d.error } : {}),
    })),
  };
}

export function perDomainText<T>(
  r: CommandResult<PerDomain<T>>,
  one: (r: CommandResult<T>) => string | undefined,
): string | undefined {
  const data = r.data;
  if (!data.batch) return one({ outcome: r.outcome, data: data.one });
  const parts = data.domains.map((d) =>
    d.data !== undefined
      ? `== ${d.domain} (${d.outcome})\n${one({ outcome: d.outcome, data: d.data }) ?? ''}`
      : `== ${d.domain} (${d.outcome})\nerror: ${d.error?.message ?? 'not started'}${d.error?.hint ? `\nhint: ${d.error.hint}` : ''}`,
  );
  const counts = new Map<Outcome, number>();
  for (const d of data.domains) counts.set(d.outcome, (counts.get(d.outcome) ?? 0) + 1);
  const summary = [...counts].map(([o, n]) => `${n} ${o}`).join(', ');
  return [...parts, `${data.domains.length} domain(s): ${summary}`].join('\n\n');
}

/** The choice carried out: one domain as itself, a list or --all one domain after another. */
export async function runPerDomain<T>(
  choice: DomainChoice,
  ctx: {
    session: HostSession;
    from: string;
    to: string;
    signal: AbortSignal;
    ended?: (d: DomainEnded<T>) => void;
  },
  one: (domain: string) => Promise<CommandResult<T>>,
): Promise<CommandResult<PerDomain<T>>> {
  if ('domain' in choice) {
    const r = await one(choice.domain);
    return { outcome: r.outcome, data: { batch: false, one: r.data } };
  }
  const domains = await chosenDomains(choice, () => openPair(ctx.session, ctx.from, ctx.to));
  return forEachDomain(domains, one, { signal: ctx.signal, ended: ctx.ended });
}
