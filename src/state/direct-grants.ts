/**
 * The direct data path's grants (authorized_keys lines on a destination), journaled: recorded
 * before the line is written, closed once it is removed. What stays open after a run ended —
 * killed, or its connection lost before the removal — is removed by resume and cleanup.
 */
import type { StateStore } from './store.js';

export interface OpenGrant {
  runId: number;
  destination: string;
  login: string;
  marker: string;
  file: string | undefined;
  /** ISO time after which sshd no longer accepts the line. */
  expiresAt: string | undefined;
}

const now = () => new Date().toISOString();

export class DirectGrants {
  constructor(private readonly store: StateStore) {}

  /** Before the line is written. */
  record(g: Omit<OpenGrant, 'file'>): void {
    this.store.db
      .prepare(
        `INSERT INTO direct_grants (run_id, destination, login, marker, added_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, destination, marker) DO UPDATE SET removed_at = NULL, expires_at = excluded.expires_at`,
      )
      .run(g.runId, g.destination, g.login, g.marker, now(), g.expiresAt ?? null);
  }

  /** The file the line went into, once known. */
  placed(g: Pick<OpenGrant, 'runId' | 'destination' | 'marker'>, file: string): void {
    this.store.db
      .prepare('UPDATE direct_grants SET file = ? WHERE run_id = ? AND destination = ? AND marker = ?')
      .run(file, g.runId, g.destination, g.marker);
  }

  removed(g: Pick<OpenGrant, 'runId' | 'destination' | 'marker'>): void {
    this.store.db
      .prepare('UPDATE direct_grants SET removed_at = ? WHERE run_id = ? AND destination = ? AND marker = ?')
      .run(now(), g.runId, g.destination, g.marker);
  }

  /** Lines that may still be on `destination` (all destinations when undefined). */
  open(destination?: string): OpenGrant[] {
    const rows = this.store.db
      .prepare(
        `SELECT run_id AS runId, destination, login, marker, file, expires_at AS expiresAt FROM direct_grants
         WHERE removed_at IS NULL ${destination === undefined ? '' : 'AND destination = ?'} ORDER BY run_id`,
      )
      .all(...(destination === undefined ? [] : [destination])) as Array<
      Omit<OpenGrant, 'file' | 'expiresAt'> & { file: string | null; expiresAt: string | null }
    >;
    return rows.map((r) => ({ ...r, file: r.file ?? undefined, expiresAt: r.expiresAt ?? undefined }));
  }
}
