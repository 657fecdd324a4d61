/**
 * A list of domains for a batch (`move --list FILE`): one per line, blank lines and `#`
 * comments allowed. Every bad or repeated name is reported, with its line, before anything starts.
 */
import { UsageError } from '../errors.js';
import { validateDomain } from '../vpopmail/names.js';

export function parseDomainList(text: string, file = 'the list'): string[] {
  const domains: string[] = [];
  const seen = new Map<string, number>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const at = `${file}:${i + 1}`;
    try {
      const d = validateDomain(line);
      const first = seen.get(d);
      if (first !== undefined) problems.push(`${at}: ${d} is listed again (first on line ${first})`);
      else {
        seen.set(d, i + 1);
        domains.push(d);
      }
    } catch (error) {
      problems.push(`${at}: ${(error as Error).message}`);
    }
  });
  if (problems.length > 0)
    throw new UsageError(`${file} has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`, {
      hint: 'fix the list; nothing was started',
    });
  if (domains.length === 0) throw new UsageError(`${file} names no domain`);
  return domains;
}
