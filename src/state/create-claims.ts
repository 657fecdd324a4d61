/**
 * Claims on domains a run began creating on a destination. Between `vadddomain` and the
 * marker (`.vmigrate-origin`) a killed run leaves a domain that looks like somebody else's; the
 * claim, recorded before `vadddomain`, says it is ours to finish. It is a `create` step of the
 * run, so it lives and dies with the run's records.
 */
import type { StateStore } from './store.js';

const now = () => new Date().toISOString();

export class CreateClaims {
  constructor(private readonly store: StateStore) {}

  /** Recorded before the domain is created on the destination. */
  claim(runId: number, domain: string): void {
    this.store.db
      .prepare(
        `INSERT INTO steps (run_id, domain, step, status, updated_at) VALUES (?, ?, 'create', 'running', ?)
         ON CONFLICT (run_id, domain, step) DO UPDATE SET status = 'running', updated_at = excluded.updated_at`,
      )
      .run(runId, domain, now());
  }

  /**
   * Whether a run of this store began creating `domain` on `destination` and did not see it
   * through. Once provisioning succeeded the claim is closed, so a domain someone else makes
   * there later under that name is never taken for ours.
   */
  open(destination: string, domain: string): boolean {
    const row = this.store.db
      .prepare(
        `SELECT 1 FROM steps s JOIN runs r ON r.id = s.run_id
         WHERE r.destination = ? AND s.domain = ? AND s.step = 'create' AND s.status = 'running' LIMIT 1`,
      )
      .get(destination, domain);
    return row !== undefined;
  }

  /** The domain is marked on the destination now: every open claim on it is closed. */
  close(destination: string, domain: string): void {
    this.store.db
      .prepare(
        `UPDATE steps SET status = 'done', updated_at = ? WHERE step = 'create' AND status = 'running'
         AND domain = ? AND run_id IN (SELECT id FROM runs WHERE destination = ?)`,
      )
      .run(now(), domain, destination);
  }
}
