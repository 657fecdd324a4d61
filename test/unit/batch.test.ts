import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('a batch script cut on its way (a controller killed while sending it)', () => {
  it('runs none of its steps, wherever it was cut', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cut-'));
    const cutSteps: BatchStep[] = ['a', 'bb', 'ccc'].map((n) => ({
      title: n,
      argv: ['touch', join(dir, n), join(dir, `${n}-more`)],
    }));
    const script = batchScript(cutSteps);
    // Every cut but the one that loses only the last newline (then the script is whole).
    expect(script.at(-1)).toBe(10);
    for (let at = 0; at < script.length - 1; at++) {
      try {
        execFileSync('sh', ['-s'], { input: script.subarray(0, at), stdio: ['pipe', 'pipe', 'pipe'] });
      } catch {
        // A syntax error at the early end: the point.
      }
      expect(readdirSync(dir), `cut after ${at} of ${script.length} bytes`).toEqual([]);
    }
    execFileSync('sh', ['-s'], { input: script });
    expect(readdirSync(dir).sort()).toEqual(['a', 'a-more', 'bb', 'bb-more', 'ccc', 'ccc-more']);
  });
});

describe('fenced batches', () => {
  const fenced: BatchStep[] = [{ title: 'second', argv: ['printf', 'two'] }];

  it('stop before the next step once the lock names another holder, and leave no busy mark', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fence-'));
    writeFileSync(join(dir, 'owner'), 'me\n');
    // The first step hands the lock over (as a new holder taking it over would).
    const steps: BatchStep[] = [
      { title: 'first', argv: ['sh', '-c', 'printf one; echo other > "$1/owner"', 'sh', dir] },
      fenced[0]!,
    ];
    const out = execFileSync('sh', ['-s'], { input: batchScript(steps, { dir, owner: 'me' }) }).toString();
    expect(parseBatchOutput(out, steps).map((r) => r.output)).toEqual(['one']);
    expect(out).toMatch(/^@@fenced$/m);
    expect(readdirSync(dir).sort()).toEqual(['owner']);
  });

  it('run every step while the lock still names the holder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fence-'));
    writeFileSync(join(dir, 'owner'), 'me\n');
    const steps = [fenced[0]!, fenced[0]!];
    const out = execFileSync('sh', ['-s'], { input: batchScript(steps, { dir, owner: 'me' }) }).toString();
    expect(parseBatchOutput(out, steps).map((r) => r.status)).toEqual([0, 0]);
    expect(out).toContain('@@done');
  });
});
