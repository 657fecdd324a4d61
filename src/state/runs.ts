/**
 * Runs as the state store records them: what was asked (so `resume` can ask it again), each
 * domain's phase, each stage and mailbox, and the messages vmigrate copied. Every write is one
 * statement or one transaction, so a controller killed at any instant leaves a consistent store.
 */
import { hostname } from 'node:os';
import { LockedError } from '../errors.js';
import type { StateStore } from './store.js';

export type RunStatus = 'running' | 'interrupted' | 'failed' | 'done';
export type DomainPhase =
  'pending' | 'preflight' | 'provisioning' | 'transferring' | 'verifying' | 'done' | 'failed';
export type StepStatus = 'running' | 'done' | 'failed';

/** What the operator asked for, as `resume` needs it to ask again. */
export interface MoveRequest {
  domains: string[];
  from: string;
  to: string;
  merge: boolean;
  checksum: boolean;
  compress: boolean;
  concurrency: number;
  domainsConcurrency: number;
  failFast: boolean;
  /** --delete: remove on the destination what the source deleted since vmigrate copied it. */
  deleteCopied?: boolean;
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

/** Whether a process of this machine is alive (EPERM: alive, someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the controller that recorded `pid` on `controller` may still be running. */
export function controllerAlive(pid: number | undefined, controller: string | undefined): boolean {
  if (pid === undefined) return false;
  // Another machine's process cannot be checked from here: assume it lives.
  if (controller !== undefined && controller !== hostname()) return true;
  return processAlive(pid);
}

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

export class RunStore {
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
    return this.list(1000).find((r) => r.status !== 'done' && r.command === 'move');
  }

  /** An unfinished run asking for the same thing: re-running a command continues it. */
  findSame(command: string, request: MoveRequest): RunRecord | undefined {
    return this.list(1000).find(
      (r) =>
        r.status !== 'done' &&
        r.command === command &&
        r.source === request.from &&
        r.destination === request.to &&
        sameDomains(r.request.domains, request.domains),
    );
  }

  /**
   * Takes a run over for this process. Refused while the controller that holds it is alive:
   * two processes must never drive the same run.
   */
  adopt(id: number, request?: MoveRequest): RunRecord {
    const take = this.db.transaction(() => {
      const run = this.get(id);
      if (!run) throw new LockedError(`there is no run ${id} in this state store`);
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

  finish(id: number, status: Exclude<RunStatus, 'running'>): void {
    this.db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?').run(status, now(), id);
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

  /**
   * Whether a run of this store began creating `domain` on `destination` and did not see it
   * through: then a domain found there without vmigrate's marker (killed between vadddomain and
   * the marker) is ours to finish. Once provisioning succeeded the claim is closed, so a domain
   * someone else makes there later under that name is never taken for ours.
   */
  beganCreating(destination: string, domain: string): boolean {
    const row = this.db
      .prepare(
        `SELECT 1 FROM steps s JOIN runs r ON r.id = s.run_id
         WHERE r.destination = ? AND s.domain = ? AND s.step = 'create' AND s.status = 'running' LIMIT 1`,
      )
      .get(destination, domain);
    return row !== undefined;
  }

  /** The domain is marked on the destination now: every open claim on it is closed. */
  closeCreateClaims(destination: string, domain: string): void {
    this.db
      .prepare(
        `UPDATE steps SET status = 'done', updated_at = ? WHERE step = 'create' AND status = 'running'
         AND domain = ? AND run_id IN (SELECT id FROM runs WHERE destination = ?)`,
      )
      .run(now(), domain, destination);
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

  /** Messages now on the destination because vmigrate put them there (what --delete may remove). */
  recordCopied(
    where: { source: string; destination: string; domain: string; mailbox: string },
    messages: ReadonlyArray<{ folder: string; unique: string }>,
  ): void {
    const add = this.db.prepare(
      `INSERT OR IGNORE INTO copied_messages (source, destination, domain, mailbox, folder, unique_name)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const m of messages)
        add.run(where.source, where.destination, where.domain, where.mailbox, blob(m.folder), blob(m.unique));
    })();
  }

  copiedMessages(where: {
    source: string;
    destination: string;
    domain: string;
    mailbox: string;
  }): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT folder, unique_name FROM copied_messages
         WHERE source = ? AND destination = ? AND domain = ? AND mailbox = ?`,
      )
      .all(where.source, where.destination, where.domain, where.mailbox) as Array<{
      folder: Buffer;
      unique_name: Buffer;
    }>;
    // The identity of maildir/delta.ts (messageIdentity), which --delete compares against.
    return new Set(rows.map((r) => `${r.folder.toString('latin1')}\0${r.unique_name.toString('latin1')}`));
  }

  forgetCopied(
    where: { source: string; destination: string; domain: string; mailbox: string },
    messages: ReadonlyArray<{ folder: string; unique: string }>,
  ): void {
    const del = this.db.prepare(
      `DELETE FROM copied_messages WHERE source = ? AND destination = ? AND domain = ? AND mailbox = ?
       AND folder = ? AND unique_name = ?`,
    );
    this.db.transaction(() => {
      for (const m of messages)
        del.run(where.source, where.destination, where.domain, where.mailbox, blob(m.folder), blob(m.unique));
    })();
  }

  /**
   * The local half of the domain lock: refused while another live process of this machine holds
   * it; a holder that died leaves a lock that is simply taken over.
   */
  lockDomain(destination: string, domain: string, runId: number): void {
    const take = this.db.transaction(() => {
      const held = this.db
        .prepare(
          'SELECT run_id, pid, controller, acquired_at FROM locks WHERE destination = ? AND domain = ?',
        )
        .get(destination, domain) as
        { run_id: number; pid: number; controller: string; acquired_at: string } | undefined;
      if (held && held.pid !== process.pid && controllerAlive(held.pid, held.controller))
        throw new LockedError(
          `${domain} on ${destination} is being worked on by run ${held.run_id} (process ${held.pid} on ${held.controller}, since ${held.acquired_at})`,
          { hint: `wait for it to finish; \`vmigrate status ${held.run_id}\` shows how far it is` },
        );
      this.db
        .prepare(
          `INSERT INTO locks (destination, domain, run_id, pid, controller, acquired_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (destination, domain) DO UPDATE SET run_id = excluded.run_id, pid = excluded.pid,
             controller = excluded.controller, acquired_at = excluded.acquired_at`,
        )
        .run(destination, domain, runId, process.pid, hostname(), now());
    });
    take.immediate();
  }

  unlockDomain(destination: string, domain: string): void {
    this.db
      .prepare('DELETE FROM locks WHERE destination = ? AND domain = ? AND pid = ?')
      .run(destination, domain, process.pid);
  }
}

/** A Maildir name (a byte string, see maildir/byte-names.ts) as the bytes the store keeps. */
function blob(name: string): Buffer {
  return Buffer.from(name, 'latin1');
}
