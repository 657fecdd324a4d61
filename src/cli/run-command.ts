/**
 * What the commands that drive runs share (move, resume, sync, status, runs): the state store,
 * the progress display that suits where output goes, and printing each domain as it ends.
 */
import type { MoveEnv } from '../migration/move-lifecycle.js';
import type { MoveRunResult } from '../migration/run-move.js';
import { openRecords, type Records } from '../state/records.js';
import type { RunRecord } from '../state/run-journal.js';
import { progressFor, type ProgressMode } from '../ui/progress.js';
import { renderProvisionReport } from '../ui/provision-view.js';
import {
  outcomeJson,
  renderDomainOutcome,
  renderRunTable,
  resumeHint,
  runStartLine,
} from '../ui/run-view.js';
import { VmigrateCommand, type CommandResult } from './base-command.js';

export abstract class RunCommand<D = unknown> extends VmigrateCommand<D> {
  private records_: Records | undefined;

  protected get records(): Records {
    this.records_ ??= openRecords(this.stateDir);
    return this.records_;
  }

  protected progressMode(): ProgressMode {
    if (this.jsonEnabled()) return this.eventsMode() ? 'events' : 'plain';
    return process.stderr.isTTY ? 'terminal' : 'plain';
  }

  /** Where a run's events go: printed for a terminal, JSON lines with --json-events. */
  protected moveEnv(breakLock: boolean): Omit<MoveEnv, 'session'> {
    const mode = this.progressMode();
    let single = true;
    let shared = false;
    let checksum = false;
    return {
      records: this.records,
      log: this.runLog!.logger,
      signal: this.abort.signal,
      breakLock,
      started: (run, continued) => {
        single = run.request.domains.length === 1;
        // Domains reporting at the same time get plain lines: bars would fight over the screen.
        shared = !single && run.request.domainsConcurrency > 1;
        checksum = run.request.checksum;
        this.onHardStop = () => {
          this.records.runs.finish(run.id, 'interrupted');
          return resumeHint(run);
        };
        this.emit({ event: 'run', run: run.id, continued, domains: run.request.domains });
        if (continued) this.say(`continuing run ${run.id}, which stopped before it finished`);
        this.say(runStartLine(run));
      },
      progress: (domain, mailboxes) =>
        progressFor(mode, mailboxes, {
          domain,
          shared,
          emit: (e) => this.emit(e),
        }),
      notice: (text) => {
        this.emit({ event: 'notice', text });
        if (!this.jsonEnabled()) this.say(text);
      },
      provisioned: (report) => {
        if (!this.jsonEnabled()) this.say(renderProvisionReport(report));
      },
      domainEnded: (o) => {
        this.emit({ event: 'domain', ...outcomeJson(o) });
        if (!this.jsonEnabled()) this.say(renderDomainOutcome(o, { verifyTable: single, checksum }));
      },
    };
  }

  private continueHint(result: MoveRunResult, run: RunRecord | undefined): string | undefined {
    if (result.status === 'done' || !run) return undefined;
    return `${result.status === 'interrupted' ? 'interrupted; ' : ''}${resumeHint(run)}`;
  }

  /** With JSON on stdout, how to continue a run that did not finish still reaches the operator. */
  protected sayHowToContinue(result: MoveRunResult, run: RunRecord | undefined): void {
    const hint = this.continueHint(result, run);
    if (hint && this.jsonEnabled()) this.say(hint);
  }

  /** The end of a move or resume for a terminal: the table of domains, and how to continue. */
  protected renderMoveEnd(r: CommandResult<MoveRunResult>, run: RunRecord | undefined): string | undefined {
    const result = r.data;
    const parts: string[] = [];
    if (result.outcomes.length !== 1 || result.alreadyDone.length > 0)
      parts.push(`\n${renderRunTable(result)}`);
    const hint = this.continueHint(result, run);
    if (hint) parts.push(hint);
    return parts.length > 0 ? parts.join('\n') : undefined;
  }

  override async finally(err: Error | undefined): Promise<void> {
    await super.finally(err);
    this.records_?.close();
  }
}
