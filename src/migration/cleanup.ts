/**
 * `vmigrate cleanup`: the domain removed from the source once it lives on the destination.
 * Only after a cutover of it ended, with nothing of it left in the source's queue for local
 * delivery, a fresh verify --checksum finding every source message on the destination, and
 * the operator's confirmation; then vpopmail's own vdeldomain (alias domains go with it).
 */
import { PreconditionError, UsageError, VerificationError, type Outcome } from '../errors.js';
import { openPair, type HostPair } from '../hosts/open-hosts.js';
import { readFileState } from '../remote/file-state.js';
import type { CutoverRecord } from '../state/cutovers.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import type { HostSession } from '../hosts/session.js';
import type { Logger } from '../log/logger.js';
import type { Records } from '../state/records.js';
import { assignedDomains } from '../vpopmail/assign.js';
import { readInventory } from '../vpopmail/inventory.js';
import { validateDomain } from '../vpopmail/names.js';
import { pendingFor, withoutLocals } from '../vpopmail/qmail-control.js';
import { readQmailQueue } from '../vpopmail/qmail-send.js';
import { requireFitHosts } from './preflight.js';
import { recordedSourceReader } from './source-reader.js';
import { makeChange } from './cutover-changes.js';
import { sourceSide } from './cutover.js';
import { verifyDomain } from './verify-domain.js';

export interface CleanupAsk {
  domain: string;
  from: string;
  to: string;
  concurrency: number;
}

export interface CleanupEnv {
  session: HostSession;
  records: Records;
  log: Logger;
  /** Asks the operator; true to go on. */
  confirm: (what: string, domain: string) => Promise<boolean>;
}

export interface CleanupResult {
  domain: string;
  outcome: Outcome;
  /** The names removed from the source (the domain and its alias domains). */
  removed: string[];
  /** The source's messages, each found on the destination by the verify that came first. */
  verifiedMessages: number;
  /** A system source's accounts, left as they are (`user: where its mail lies`), for the operator to remove. */
  kept?: string[];
  seconds: number;
}

export async function runCleanup(ask: CleanupAsk, env: CleanupEnv): Promise<CleanupResult> {
  const domain = validateDomain(ask.domain);
  const started = Date.now();
  const cutover = env.records.cutovers.latest({ source: ask.from, destination: ask.to, domain });
  if (cutover?.state === 'cleaned')
    return { domain, outcome: 'ok', removed: [], verifiedMessages: 0, seconds: 0 };
  if (cutover?.state !== 'done')
    throw new PreconditionError(
      cutover
        ? `the cutover of ${domain} to ${ask.to} is ${cutover.state}, not done`
        : `this state store has no cutover of ${domain} from ${ask.from} to ${ask.to}`,
      {
        hint: `cleanup removes a domain only after vmigrate cutover ${domain} --from ${ask.from} --to ${ask.to} ended`,
      },
    );
  const hosts = await openPair(env.session, ask.from, ask.to);
  const reader = recordedSourceReader(hosts, domain, ask, env.records, cutover.plan.systemForm);
  requireFitHosts(hosts, reader.kind);
  const names = cutover.plan.names;
  const waiting = pendingFor(
    await readQmailQueue(hosts.source.remote, cutover.plan.qmailDir),
    names,
    'local',
  );
  if (waiting.length > 0)
    throw new PreconditionError(
      `${waiting.length} message(s) for ${domain} still wait on ${ask.from} for local delivery`,
      {
        host: ask.from,
        hint: `run vmigrate cutover ${domain} --from ${ask.from} --to ${ask.to} again: its sweep copies them`,
      },
    );
  const [source, dest] = await Promise.all([
    reader.read(),
    readInventory(hosts.dest.remote, hosts.dest.caps, domain),
  ]);
  const where = { source: ask.from, destination: ask.to, domain };
  const verdicts = await verifyDomain(hosts, source, dest, {
    concurrency: ask.concurrency,
    checksum: true,
    written: (box) => env.records.copied.written({ ...where, mailbox: box.label }),
  });
  const problems = verdicts.reduce((n, v) => n + v.problems.length, 0);
  if (problems > 0)
    throw new VerificationError(
      `verify --checksum finds ${problems} difference(s) between ${ask.from} and ${ask.to} for ${domain}; nothing was removed`,
      { hint: `see them with vmigrate verify ${domain} --from ${ask.from} --to ${ask.to} --checksum` },
    );
  const verifiedMessages = verdicts.reduce(
    (n, v) => n + v.folders.reduce((m, f) => m + f.source.messages, 0),
    0,
  );
  if (reader.kind === 'system')
    return {
      ...(await closeSystemDomain(hosts, cutover, source, env)),
      verifiedMessages,
      seconds: (Date.now() - started) / 1000,
    };
  const removed = [domain, ...source.aliasDomains];
  const ok = await env.confirm(
    `Remove ${removed.join(', ')} from ${ask.from} with vdeldomain: its ${source.totals.users} mailbox(es) and ${source.totals.messages} message(s) there are deleted for good (every one is on ${ask.to}).`,
    domain,
  );
  if (!ok) throw new UsageError('not confirmed: nothing was removed');
  const bin = hosts.source.caps.vpopmail?.bin ?? `${source.vpopmailDir}/bin`;
  // -f: without it vdeldomain does nothing, and says 0, while alias domains exist (spec 5.2).
  await hosts.source.remote.run([`${bin}/vdeldomain`, '-f', domain]);
  const still = [...(await assignedDomains(hosts.source.remote, cutover.plan.qmailDir, removed))].filter(
    ([, real]) => real !== '',
  );
  if (still.length > 0)
    throw new PreconditionError(`vdeldomain left ${still.map(([n]) => n).join(', ')} on ${ask.from}`, {
      host: ask.from,
    });
  env.records.cutovers.setState(cutover.id, 'cleaned');
  env.log.info({ domain, removed }, 'removed from the source');
  return {
    domain,
    outcome: 'ok',
    removed,
    verifiedMessages,
    seconds: (Date.now() - started) / 1000,
  };
}

/**
 * A system domain's cleanup: the source stops accepting it (its rcpthosts or morercpthosts line
 * goes, journaled like the cutover's changes), and nothing of the accounts is touched — they
 * may be people's logins — but each is listed, with where its mail lies, for the operator.
 */
async function closeSystemDomain(
  hosts: HostPair,
  cutover: CutoverRecord,
  source: Inventory,
  env: CleanupEnv,
): Promise<Pick<CleanupResult, 'domain' | 'outcome' | 'removed' | 'kept'>> {
  const domain = cutover.domain;
  const kept = source.users.map((u) => `${u.name}: ${u.mbox ?? `${u.dir}/Maildir`}`);
  const ok = await env.confirm(
    `Remove ${domain} from rcpthosts on ${cutover.source}: it then refuses the domain's mail. Its ${source.users.length} Unix account(s) and their mail stay as they are (listed after).`,
    domain,
  );
  if (!ok) throw new UsageError('not confirmed: nothing was removed');
  const side = sourceSide(hosts, cutover.plan);
  const journal = { cutovers: env.records.cutovers, id: cutover.id };
  const qmail = cutover.plan.qmailDir;
  let removed = false;
  for (const name of ['rcpthosts', 'morercpthosts']) {
    const path = `${qmail}/control/${name}`;
    const before = await readFileState(hosts.source.remote, path, 'file');
    const edit = withoutLocals(before.content.toString('latin1'), [domain]);
    if (!before.exists || edit.removed.length === 0) continue;
    await makeChange(
      side,
      journal,
      path,
      { kind: 'file', ...before },
      { kind: 'file', ...before, content: Buffer.from(edit.text, 'latin1') },
    );
    // qmail-smtpd reads morercpthosts.cdb, not the text.
    if (name === 'morercpthosts') await hosts.source.remote.run([`${qmail}/bin/qmail-newmrh`]);
    removed = true;
  }
  env.records.cutovers.setState(cutover.id, 'cleaned');
  env.log.info(
    { domain, removedFromRcpthosts: removed, accounts: source.users.length },
    'closed on the source',
  );
  return { domain, outcome: 'ok', removed: removed ? [domain] : [], kept };
}
