/** A recorded run as `status` shows it: the run, each domain, its stages and its mailboxes. */
import { UsageError } from '../errors.js';
import type { Records } from '../state/records.js';
import type { DomainRecord, MailboxRecord, RunRecord, StepStatus } from '../state/run-journal.js';

export type RunSummary = RunRecord;

export interface RunDetail {
  run: RunRecord;
  domains: Array<
    DomainRecord & {
      steps: Array<{ step: string; status: StepStatus; error: string | undefined }>;
      perMailbox: MailboxRecord[];
    }
  >;
}

export function runDetail(records: Records, id: number): RunDetail {
  const run = records.runs.get(id);
  if (!run)
    throw new UsageError(`there is no run ${id} in this state store`, {
      hint: 'vmigrate status lists the runs',
    });
  return {
    run,
    domains: records.runs.domains(id).map((d) => ({
      ...d,
      steps: records.runs.steps(id, d.domain),
      perMailbox: records.runs.mailboxes(id, d.domain),
    })),
  };
}
