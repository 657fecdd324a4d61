/** Flags of every command that works on a domain between two hosts (plan, provision, move). */
import { Args, Flags } from '@oclif/core';
import { ExitCode } from '../errors.js';
import { buildPlan } from '../migration/plan.js';
import type { Preflight } from '../migration/preflight.js';
import { renderPlan } from '../ui/plan-view.js';

export const domainArg = {
  domain: Args.string({ description: 'the domain (IDN as punycode)', required: true }),
};

export const pairFlags = {
  from: Flags.string({
    description: 'the source server (profile, ssh alias or user@host[:port])',
    required: true,
  }),
  to: Flags.string({ description: 'the destination server', required: true }),
  merge: Flags.boolean({
    description: 'when the destination already has the domain: add what is missing, never overwrite',
  }),
};

/** What `plan` and `--dry-run` print, and the exit code: 5 when a problem would stop the move. */
export function planOutput(pf: Preflight, json: boolean): { text: string; exitCode: number } {
  const plan = buildPlan(pf);
  return {
    text: json ? JSON.stringify(plan, null, 2) : renderPlan(plan),
    exitCode: plan.problems.length > 0 ? ExitCode.precondition : ExitCode.ok,
  };
}
