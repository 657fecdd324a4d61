/**
 * What `move` and `resume` share: the state store, driving a recorded run to its end, printing
 * each domain and the final table, and the exit code.
 */
import { Flags } from '@oclif/core';
import { runExitCode, runMove } from '../migration/run-move.js';
import type { RunRecord } from '../state/runs.js';
import { RunStore } from '../state/runs.js';
import { StateStore } from '../state/store.js';
import { progressFor } from '../ui/progress.js';
import { renderProvisionReport } from '../ui/provision-view.js';
import { outcomeJson, renderDomainOutcome, renderRunTable, resumeHint } from '../ui/run-view.js';
import { VmigrateCommand } from './base-command.js';

export const runFlags = {
  'break-lock': Flags.boolean({
    description:
      "take over a domain's lock on the destination left by another vmigrate that is gone for good (its machine died)",
  }),
};

export abstract class RunCommand extends VmigrateCommand {
  protected store: StateStore | undefined;

  protected openStore(): RunStore {
    this.store ??= StateStore.open(this.stateDir);
    return new RunStore(this.store);
  }

  /** Drives `run` (already adopted by this process) to its end and exits with its outcome. */
  protected async drive(runs: RunStore, run: RunRecord, flags: { json: boolean; 'break-lock': boolean }) {
    const req = run.request;
    const single = req.domains.length === 1;
    const shared = !single && req.domainsConcurrency > 1;
    this.onHardStop = () => runs.finish(run.id, 'interrupted');
    this.say(
      `run ${run.id}: ${single ? req.domains[0] : `${req.domains.length} domains`} from ${req.from} to ${req.to}`,
    );
    const result = await runMove(run, {
      session: this.session!,
      runs,
      storeId: this.store!.id,
      log: this.runLog!.logger,
      signal: this.abort.signal,
      breakLock: flags['break-lock'],
      progress: (domain, mailboxes) => progressFor(flags.json, mailboxes, { domain, shared }),
      provisioned: (report) => {
        if (!flags.json) this.say(renderProvisionReport(report));
      },
      domainEnded: (o) => {
        if (flags.json) this.log(JSON.stringify({ event: 'domain', ...outcomeJson(o) }));
        else this.say(renderDomainOutcome(o, { verifyTable: single, checksum: req.checksum }));
      },
    });
    if (flags.json)
      this.log(
        JSON.stringify({
          event: 'summary',
          run: run.id,
          status: result.status,
          alreadyDone: result.alreadyDone,
          domains: result.outcomes.map(outcomeJson),
        }),
      );
    else if (!single || result.alreadyDone.length > 0) this.log(`\n${renderRunTable(result)}`);
    if (result.status !== 'done')
      this.say(`${result.status === 'interrupted' ? 'interrupted; ' : ''}${resumeHint(run)}`);
    const code = runExitCode(result);
    if (code !== 0) this.exitWith(code);
  }

  override async finally(err: Error | undefined): Promise<void> {
    await super.finally(err);
    this.store?.close();
  }
}
