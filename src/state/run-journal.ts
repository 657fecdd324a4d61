/**
 * The run journal: what was asked (so `resume` can ask it again), who drives the run, each
 * domain's phase, each stage and mailbox. Every write is one statement or one transaction, so a
 * controller killed at any instant leaves a consistent store.
 */
import { hostname } from 'node:os';
import { LockedError, UsageError } from '../errors.js';
import { controllerAlive } from './liveness.js';
import type { StateStore } from './store.js';

/** `abandoned`: the operator gave it up (`vmigrate runs abandon`); it is never resumed. */
export type RunStatus = 'running' | 'interrupted' | 'failed' | 'done' | 'abandoned';
export type DomainPhase =
  'pending' | 'preflight' | 'provisioning' | 'transferring' | 'verifying' | 'done' | 'failed';
export type StepStatus = 'running' | 'done' | 'failed';

/** What the operator asked for, as `resume` needs it to ask again. */
export interface MoveRequest {
  domains: string[];
  from: string;
  to: string;
  merge: boolean;
  /** --skip-unrepresentable: users the destination cannot store are left out, not a stop (absent in older records). */
  skipUnrepresentable: boolean;
  checksum: boolean;
  compress: boolean;
  concurrency: number;
  domainsConcurrency: number;
  failFast: boolean;
  /** --delete: remove on the destination what the source deleted since vmigrate copied it. */
  deleteCopied?: boolean;
  /** --data-path (absent in older records: the relay, the only path they had). */
  dataPath?: 'auto' | 'direct' | 'relay';
  /** --direct-address, when given. */
  directAddress?: string | undefined;
  /** --from-system: the source's mail users are Unix accounts, these (a uid floor, or a list). */
  fromSystem?:
    | { uidMin?: number | undefined; users?: string[] | undefined; newPasswords?: boolean | undefined }
    | undefined;
  /** The configuration files the run was started with (absolute), so `resume` finds the same hosts. */
  configFile?: string | undefined;
  sshConfigFile?: string | undefined;
}

export interface RunRecord {
  id: number;
  command: string;
  request: MoveRequest;
  source: string;
  destination: string;
  startedAt: string;
  finishedAt: string | undefined;
  /** As recorded; a 'running' run whose controller died shows as 'interrupted'. */
  status: RunStatus;
  pid: number | undefined;
  controller: string | undefined;
}

export interface DomainRecord {
  domain: string;
  phase: DomainPhase;
  error: string | undefined;
  attempts: number;
  mailboxes: number;
  messages: number;
  bytes: number;
  updatedAt: string | undefined;
}

export interface MailboxRecord {
  mailbox: string;
  status: string;
  messages: number;
  bytes: number;
  error: string | undefined;
}

interface RunRow {
  id: number;
  command: string;
  args: string;
  source: string;
  destination: string;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  pid: number | null;
  controller: string | null;
}

const now = () => new Date().toISOString();

function toRun(r: RunRow): RunRecord {
  const status = r.status === 'running' && !controllerAlive(r.pid ?? undefined, r.controller ?? undefined);
  return {
    id: r.id,
    command: r.command,
    request: JSON.parse(r.args) as MoveRequest,
    source: r.source,
    destination: r.destination,
    startedAt: r.started_at,
    finishedAt: r.finished_at ?? undefined,
    status: status ? 'interrupted' : r.status,
    pid: r.pid ?? undefined,
    controller: r.controller ?? undefined,
  };
}

const sameDomains = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** A run that may still be continued. */
export const unfinished = (r: RunRecord): boolean => r.status !== 'done' && r.status !== 'abandoned';

export class RunJournal {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  /** A new run, owned by this process, with every domain pending. */
  create(command: string, request: MoveRequest): RunRecord {
    const create = this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO runs (command, args, source, destination, started_at, pid, controller)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(command, JSON.stringify(request), request.from, request.to, now(), process.pid, hostname());
      const add = this.db.prepare(
        "INSERT INTO domains (run_id, domain, phase, updated_at) VALUES (?, ?, 'pending', ?)",
      );
      for (const d of request.domains) add.run(lastInsertRowid, d, now());
      return Number(lastInsertRowid);
    });
    return this.get(create())!;
  }

  get(id: number): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  list(limit = 20): RunRecord[] {
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[];
    return rows.map(toRun);
  }

  /** The newest move that did not finish: what `resume` without a number continues. */
  latestUnfinished(): RunRecord | undefined {
    return this.list(1000).find((r) => unfinished(r) && r.command === 'move');
  }

  /** An unfinished run asking for the same thing: re-running a command continues it. */
  findSame(command: string, request: MoveRequest): RunRecord | undefined {
    return this.list(1000).find(
      (r) =>
        unfinished(r) &&
        r.command === command &&
        r.source === request.from &&
        r.destination === request.to &&
        sameDomains(r.request.domains, request.domains),
    );
  }

  /**
   * When a move or sync from `source` to `destination` last finished this domain, if ever:
   * how fresh the copy is that a cutover's final sync starts from.
   */
  lastCopied(domain: string, source: string, destination: string): string | undefined {
    const row = this.db
      .prepare(
        `SELECT MAX(d.updated_at) AS at FROM runs r JOIN domains d ON d.run_id = r.id
         WHERE r.command IN ('move', 'sync') AND r.source = ? AND r.destination = ?
           AND d.domain = ? AND d.phase = 'done'`,
      )
      .get(source, destination, domain) as { at: string | null };
    return row.at ?? undefined;
  }

  /** What the newest finished move or sync of the domain asked: how later commands read its source. */
  lastCopyRequest(domain: string, source: string, destination: string): MoveRequest | undefined {
    const row = this.db
      .prepare(
        `SELECT r.id AS id FROM runs r JOIN domains d ON d.run_id = r.id
         WHERE r.command IN ('move', 'sync') AND r.source = ? AND r.destination = ?
           AND d.domain = ? AND d.phase = 'done'
         ORDER BY d.updated_at DESC, r.id DESC LIMIT 1`,
      )
      .get(source, destination, domain) as { id: number } | undefined;
    return row ? this.get(row.id)?.request : undefined;
  }

  /**
   * Takes a run over for this process. Refused while the controller that holds it is alive:
   * two processes must never drive the same run.
   */
  adopt(id: number, request?: MoveRequest): RunRecord {
    const take = this.db.transaction(() => {
      const run = this.get(id);
      if (!run) throw new UsageError(`there is no run ${id} in this state store`);
      if (run.status === 'abandoned')
        throw new UsageError(`run ${id} was abandoned; it cannot be continued`, {
          hint: 'run the command again: that starts a new run, and every stage reads both hosts first',
        });
      if (run.status === 'running' && run.pid !== process.pid)
        throw new LockedError(
          `run ${id} is still being driven by process ${run.pid ?? '?'} on ${run.controller ?? '?'}`,
          { hint: 'wait for it, or stop it with Ctrl-C' },
        );
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', finished_at = NULL, pid = ?, controller = ?, args = coalesce(?, args) WHERE id = ?`,
        )
        .run(process.pid, hostname(), request ? JSON.stringify(request) : null, id);
    });
    take.immediate();
    return this.get(id)!;
  }

  finish(id: number, status: Exclude<RunStatus, 'running' | 'abandoned'>): void {
    this.db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?').run(status, now(), id);
  }

  /**
   * Gives a run up: `resume` will not pick it, running the same command again starts a new one,
   * and `prune` may delete it. Refused while its controller lives.
   */
  abandon(id: number): RunRecord {
    const give = this.db.transaction(() => {
      const run = this.get(id);
      if (!run) throw new UsageError(`there is no run ${id} in this state store`);
      if (run.status === 'running')
        throw new LockedError(
          `run ${id} is being driven by process ${run.pid ?? '?'} on ${run.controller ?? '?'}`,
          { hint: 'stop it with Ctrl-C first' },
        );
      if (run.status === 'done') throw new UsageError(`run ${id} finished; there is nothing to abandon`);
      this.db
        .prepare("UPDATE runs SET status = 'abandoned', finished_at = coalesce(finished_at, ?) WHERE id = ?")
        .run(now(), id);
    });
    give.immediate();
    return this.get(id)!;
  }

  /**
   * Deletes the records of runs that are over (done or abandoned) and ended before `before`.
   * Kept whatever their age: runs that may still be continued, runs holding a lock, and runs
   * with an open claim on a domain they began creating. The ledger of copied messages belongs
   * to no run and stays.
   */
  prune(before: Date): number[] {
    const drop = this.db.transaction(() => {
      const ids = (
        this.db
          .prepare(
            `SELECT id FROM runs r WHERE status IN ('done', 'abandoned') AND coalesce(finished_at, started_at) < ?
             AND NOT EXISTS (SELECT 1 FROM locks l WHERE l.run_id = r.id)
             AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id AND s.step = 'create' AND s.status = 'running')
             AND NOT EXISTS (SELECT 1 FROM cutovers c WHERE c.run_id = r.id AND c.state NOT IN ('rolled-back', 'cleaned'))
             AND NOT EXISTS (SELECT 1 FROM direct_grants g WHERE g.run_id = r.id AND g.removed_at IS NULL)
             ORDER BY id`,
          )
          .all(before.toISOString()) as Array<{ id: number }>
      ).map((r) => r.id);
      // A cutover that can still be rolled back or cleaned up keeps its run (above); one that
      // cannot goes with it, journal and all.
      for (const table of ['cutover_changes', 'cutover_steps'])
        for (const id of ids)
          this.db
            .prepare(`DELETE FROM ${table} WHERE cutover_id IN (SELECT id FROM cutovers WHERE run_id = ?)`)
            .run(id);
      // A grant line still on a destination keeps its run (above): the next run there removes it.
      for (const [table, key] of [
        ['direct_grants', 'run_id'],
        ['cutovers', 'run_id'],
        ['mailboxes', 'run_id'],
        ['steps', 'run_id'],
        ['domains', 'run_id'],
        ['runs', 'id'],
      ]) {
        const del = this.db.prepare(`DELETE FROM ${table} WHERE ${key} = ?`);
        for (const id of ids) del.run(id);
      }
      return ids;
    });
    return drop.immediate();
  }

  domains(runId: number): DomainRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM domains WHERE run_id = ? ORDER BY rowid')
      .all(runId) as Array<{
      domain: string;
      phase: DomainPhase;
      error: string | null;
      attempts: number;
      mailboxes: number;
      messages: number;
      bytes: number;
      updated_at: string | null;
    }>;
    return rows.map((r) => ({
      domain: r.domain,
      phase: r.phase,
      error: r.error ?? undefined,
      attempts: r.attempts,
      mailboxes: r.mailboxes,
      messages: r.messages,
      bytes: r.bytes,
      updatedAt: r.updated_at ?? undefined,
    }));
  }

  setPhase(runId: number, domain: string, phase: DomainPhase, error?: string): void {
    this.db
      .prepare(
        `UPDATE domains SET phase = ?, error = ?, updated_at = ?,
           attempts = attempts + (CASE WHEN ? = 'preflight' THEN 1 ELSE 0 END)
         WHERE run_id = ? AND domain = ?`,
      )
      .run(phase, error ?? null, now(), phase, runId, domain);
  }

  addTotals(runId: number, domain: string, t: { mailboxes?: number; messages?: number; bytes?: number }) {
    this.db
      .prepare(
        `UPDATE domains SET mailboxes = mailboxes + ?, messages = messages + ?, bytes = bytes + ?, updated_at = ?
         WHERE run_id = ? AND domain = ?`,
      )
      .run(t.mailboxes ?? 0, t.messages ?? 0, t.bytes ?? 0, now(), runId, domain);
  }

  step(runId: number, domain: string, step: string, status: StepStatus, error?: string): void {
    this.db
      .prepare(
        `INSERT INTO steps (run_id, domain, step, status, updated_at, error) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, domain, step) DO UPDATE SET status = excluded.status,
           updated_at = excluded.updated_at, error = excluded.error`,
      )
      .run(runId, domain, step, status, now(), error ?? null);
  }

  steps(
    runId: number,
    domain: string,
  ): Array<{ step: string; status: StepStatus; error: string | undefined }> {
    const rows = this.db
      .prepare('SELECT step, status, error FROM steps WHERE run_id = ? AND domain = ? ORDER BY rowid')
      .all(runId, domain) as Array<{ step: string; status: StepStatus; error: string | null }>;
    return rows.map((r) => ({ step: r.step, status: r.status, error: r.error ?? undefined }));
  }

  mailbox(
    runId: number,
    domain: string,
    mailbox: string,
    status: string,
    figures: { messages?: number; bytes?: number; error?: string } = {},
  ): void {
    this.db
      .prepare(
        `INSERT INTO mailboxes (run_id, domain, mailbox, status, messages, bytes, error, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, domain, mailbox) DO UPDATE SET status = excluded.status,
           messages = mailboxes.messages + excluded.messages, bytes = mailboxes.bytes + excluded.bytes,
           error = excluded.error, updated_at = excluded.updated_at`,
      )
      .run(
        runId,
        domain,
        mailbox,
        status,
        figures.messages ?? 0,
        figures.bytes ?? 0,
        figures.error ?? null,
        now(),
      );
  }

  mailboxes(runId: number, domain: string): MailboxRecord[] {
    const rows = this.db
      .prepare(
        'SELECT mailbox, status, messages, bytes, error FROM mailboxes WHERE run_id = ? AND domain = ? ORDER BY mailbox',
      )
      .all(runId, domain) as Array<{
      mailbox: string;
      status: string;
      messages: number;
      bytes: number;
      error: string | null;
    }>;
    return rows.map((r) => ({ ...r, error: r.error ?? undefined }));
  }
}
