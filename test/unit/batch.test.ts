import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchScript, parseBatchOutput, type BatchStep } from '../../src/remote/batch.js';
import { Secret } from '../../src/remote/quote.js';

const steps: BatchStep[] = [
  { title: 'echo', argv: ['printf', '%s\\n', "it's $HOME `x` ; done"] },
  { title: 'secret', argv: ['printf', '%s', new Secret('$1$salt$hash')] },
  { title: 'fail', argv: ['sh', '-c', 'echo no >&2; exit 3'] },
  { title: 'never', argv: ['printf', 'not reached'] },
];

describe('batch scripts', () => {
  it('run each step through a local POSIX shell, report status and output, and stop at the first failure', () => {
    const out = execFileSync('sh', ['-s'], { input: batchScript(steps) }).toString();
    const results = parseBatchOutput(out, steps);
    expect(results.map((r) => [r.step.title, r.status, r.output])).toEqual([
      ['echo', 0, "it's $HOME `x` ; done"],
      ['secret', 0, '$1$salt$hash'],
      ['fail', 3, 'no'],
    ]);
    expect(out).not.toContain('@@done');
  });

  it('does not let a step read the script itself from stdin', () => {
    const s: BatchStep[] = [
      { title: 'cat', argv: ['cat'] },
      { title: 'after', argv: ['printf', 'ok'] },
    ];
    const out = execFileSync('sh', ['-s'], { input: batchScript(s) }).toString();
    expect(parseBatchOutput(out, s).map((r) => r.output)).toEqual(['', 'ok']);
    expect(out).toContain('@@done');
  });
});
