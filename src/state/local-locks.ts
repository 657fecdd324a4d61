/**
 * The local half of the domain lock (the other half is a directory on the destination, see
 * migration/domain-lock.ts): refused while another live process of this machine holds it; a
 * holder that died leaves a lock that is simply taken over.
 */
import { hostname } from 'node:os';
import { LockedError } from '../errors.js';
import { controllerAlive } from './liveness.js';
import type { StateStore } from './store.js';

const now = () => new Date().toISOString();

export class LocalLocks {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  take(destination: string, domain: string, runId: number): void {
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

  release(destination: string, domain: string): void {
    this.db
      .prepare('DELETE FROM locks WHERE destination = ? AND domain = ? AND pid = ?')
      .run(destination, domain, process.pid);
  }
}
