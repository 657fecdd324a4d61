/**
 * The journal of cutovers: each one's plan, the steps it finished, and every change it made
 * on the source with the state before and after, written before the change is made.
 */
import type { StateStore } from './store.js';

/** `cleaned`: the domain was removed from the source afterwards; there is nothing to roll back to. */
export type CutoverState = 'active' | 'done' | 'rolling-back' | 'rolled-back' | 'cleaned';

/** A file (content, mode, owner), a directory's mode, or a user's vpasswd flags. */
export type ChangeState =
  | { kind: 'file'; exists: boolean; content: Buffer; mode: string; uid: number; gid: number }
  | { kind: 'dir-mode'; mode: string }
  | { kind: 'user-flags'; flags: number };

export type ChangeStatus = 'planned' | 'applied' | 'undone';

export interface Change {
  seq: number;
  /** A path on the source, or a user's address for flags. */
  target: string;
  before: ChangeState;
  after: ChangeState;
  status: ChangeStatus;
}

import type { SystemForm } from '../system/inventory.js';

export interface CutoverPlan {
  /** The domain and its alias domains. */
  names: string[];
  route: { host: string; port?: number | undefined };
  domainDir: string;
  /** A system domain's: every home that holds its deliveries (the domain directory otherwise). */
  holdDirs?: string[] | undefined;
  /** A system domain's: how qmail delivered it (`local`, `prefix:<p>`), for reads after the reroute. */
  systemForm?: SystemForm | undefined;
  qmailDir: string;
  freezeAccess: boolean;
  reloadCommand?: string | undefined;
}

export interface CutoverRecord {
  id: number;
  runId: number;
  source: string;
  destination: string;
  domain: string;
  plan: CutoverPlan;
  state: CutoverState;
  startedAt: string;
}

interface Where {
  source: string;
  destination: string;
  domain: string;
}

const now = () => new Date().toISOString();

function pack(s: ChangeState): [Buffer | null, string] {
  if (s.kind === 'file') {
    const { content, ...meta } = s;
    return [content, JSON.stringify(meta)];
  }
  return [null, JSON.stringify(s)];
}

function unpack(blob: Buffer | null, meta: string): ChangeState {
  const m = JSON.parse(meta) as ChangeState;
  return m.kind === 'file' ? { ...m, content: blob ?? Buffer.alloc(0) } : m;
}

interface Row {
  id: number;
  run_id: number;
  source: string;
  destination: string;
  domain: string;
  plan: string;
  state: CutoverState;
  started_at: string;
}

const record = (r: Row): CutoverRecord => ({
  id: r.id,
  runId: r.run_id,
  source: r.source,
  destination: r.destination,
  domain: r.domain,
  plan: JSON.parse(r.plan) as CutoverPlan,
  state: r.state,
  startedAt: r.started_at,
});

export class Cutovers {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  create(runId: number, where: Where, plan: CutoverPlan): CutoverRecord {
    const t = now();
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO cutovers (run_id, source, destination, domain, plan, state, started_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'active', ?, ?)`,
      )
      .run(runId, where.source, where.destination, where.domain, JSON.stringify(plan), t, t);
    return this.get(Number(lastInsertRowid))!;
  }

  get(id: number): CutoverRecord | undefined {
    const row = this.db.prepare('SELECT * FROM cutovers WHERE id = ?').get(id) as Row | undefined;
    return row && record(row);
  }

  /** The latest cutover of this domain between these hosts, whatever its state. */
  latest(where: Where): CutoverRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM cutovers WHERE source = ? AND destination = ? AND domain = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(where.source, where.destination, where.domain) as Row | undefined;
    return row && record(row);
  }

  /** Cutovers of this domain from this source to any destination that are not rolled back. */
  standingFrom(source: string, domain: string): CutoverRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM cutovers WHERE source = ? AND domain = ? AND state != 'rolled-back' ORDER BY id`,
      )
      .all(source, domain) as Row[];
    return rows.map(record);
  }

  setState(id: number, state: CutoverState, runId?: number): void {
    this.db
      .prepare('UPDATE cutovers SET state = ?, run_id = COALESCE(?, run_id), updated_at = ? WHERE id = ?')
      .run(state, runId ?? null, now(), id);
  }

  stepDone(id: number, step: string, detail?: unknown): void {
    this.db
      .prepare(
        `INSERT INTO cutover_steps (cutover_id, step, detail, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (cutover_id, step) DO UPDATE SET detail = excluded.detail, at = excluded.at`,
      )
      .run(id, step, detail === undefined ? null : JSON.stringify(detail), now());
  }

  steps(id: number): Map<string, { detail: unknown; at: string }> {
    const rows = this.db
      .prepare('SELECT step, detail, at FROM cutover_steps WHERE cutover_id = ?')
      .all(id) as Array<{ step: string; detail: string | null; at: string }>;
    return new Map(
      rows.map((r) => [
        r.step,
        { detail: r.detail === null ? undefined : (JSON.parse(r.detail) as unknown), at: r.at },
      ]),
    );
  }

  /** Writes a change down before it is made; returns its sequence number. */
  planChange(id: number, target: string, before: ChangeState, after: ChangeState): number {
    const next = this.db
      .prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM cutover_changes WHERE cutover_id = ?')
      .get(id) as { n: number };
    const [b, bm] = pack(before);
    const [a, am] = pack(after);
    this.db
      .prepare(
        `INSERT INTO cutover_changes (cutover_id, seq, kind, target, before, before_meta, after, after_meta, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned')`,
      )
      .run(id, next.n, before.kind, target, b, bm, a, am);
    return next.n;
  }

  setChange(id: number, seq: number, status: ChangeStatus): void {
    this.db
      .prepare('UPDATE cutover_changes SET status = ? WHERE cutover_id = ? AND seq = ?')
      .run(status, id, seq);
  }

  changes(id: number): Change[] {
    const rows = this.db
      .prepare(
        `SELECT seq, target, before, before_meta, after, after_meta, status
         FROM cutover_changes WHERE cutover_id = ? ORDER BY seq`,
      )
      .all(id) as Array<{
      seq: number;
      target: string;
      before: Buffer | null;
      before_meta: string;
      after: Buffer | null;
      after_meta: string;
      status: ChangeStatus;
    }>;
    return rows.map((r) => ({
      seq: r.seq,
      target: r.target,
      before: unpack(r.before, r.before_meta),
      after: unpack(r.after, r.after_meta),
      status: r.status,
    }));
  }
}
