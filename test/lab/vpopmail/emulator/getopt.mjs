// glibc getopt(3) as the tools see it: options may follow operands (argv is permuted),
// `--` ends options, `x:` takes an argument (attached or next), `x::` only attached.
import { err } from './io.mjs';

/**
 * @returns {{ opts: Array<{opt: string, arg?: string}>, operands: string[], bad: boolean }}
 */
export function getopt(prog, argv, spec) {
  const takes = new Map();
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (spec[i + 1] === ':' && spec[i + 2] === ':') {
      takes.set(c, 'optional');
      i += 2;
    } else if (spec[i + 1] === ':') {
      takes.set(c, 'required');
      i += 1;
    } else takes.set(c, 'none');
  }
  const opts = [];
  const operands = [];
  let bad = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      const kind = takes.get(c);
      if (kind === undefined) {
        err(`${prog}: invalid option -- '${c}'`);
        opts.push({ opt: '?' });
        bad = true;
        continue;
      }
      if (kind === 'none') {
        opts.push({ opt: c });
        continue;
      }
      const rest = a.slice(j + 1);
      if (kind === 'optional') {
        opts.push(rest ? { opt: c, arg: rest } : { opt: c });
      } else if (rest) {
        opts.push({ opt: c, arg: rest });
      } else if (i + 1 < argv.length) {
        opts.push({ opt: c, arg: argv[++i] });
      } else {
        err(`${prog}: option requires an argument -- '${c}'`);
        opts.push({ opt: '?' });
        bad = true;
      }
      break;
    }
  }
  return { opts, operands, bad };
}
