/**
 * The commands that act on one domain, a list or every domain of the source (sync, verify,
 * cutover, cleanup): the choice carried out one domain after another, and the result printed
 * as one domain's (when one was named) or as one section per domain.
 */
import type { HostSession } from '../hosts/session.js';
import type { CommandResult } from './base-command.js';
import {
  domainChoiceOf,
  perDomainJson,
  perDomainText,
  runPerDomain,
  type PerDomain,
} from './domain-batch.js';
import { RunCommand } from './run-command.js';

export { batchFlags, optionalDomainArg } from './domain-batch.js';

export abstract class DomainsCommand<T> extends RunCommand<PerDomain<T>> {
  /** One domain's result, as JSON and as text. */
  protected abstract jsonOfOne(data: T): unknown;
  protected abstract renderOne(result: CommandResult<T>): string | undefined;

  protected forEachChosen(
    domain: string | undefined,
    flags: { list?: string | undefined; all: boolean; from: string; to: string },
    session: HostSession,
    one: (domain: string) => Promise<CommandResult<T>>,
  ): Promise<CommandResult<PerDomain<T>>> {
    return runPerDomain(
      domainChoiceOf(domain, flags),
      {
        session,
        from: flags.from,
        to: flags.to,
        signal: this.abort.signal,
        ended: (d) => this.emit({ event: 'domain', domain: d.domain, outcome: d.outcome }),
      },
      one,
    );
  }

  protected override jsonOf(r: PerDomain<T>): unknown {
    return perDomainJson(r, (one) => this.jsonOfOne(one));
  }

  protected render(r: CommandResult<PerDomain<T>>): string | undefined {
    return perDomainText(r, (one) => this.renderOne(one));
  }
}
