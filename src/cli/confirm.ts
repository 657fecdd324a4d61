/**
 * Confirmation of what cannot be undone: the operator types the domain's name on a terminal;
 * a script says --yes. Without a terminal and without --yes nothing is done.
 */
import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';

export function typedConfirmation(yes: boolean): (what: string, word: string) => Promise<boolean> {
  return async (what, word) => {
    if (yes) return true;
    if (!process.stdin.isTTY)
      throw new UsageError('this removes mail for good and there is no terminal to confirm it on', {
        hint: 'add --yes to confirm from a script',
      });
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      const answer = await rl.question(`${what}\nType ${word} to go on: `);
      return answer.trim() === word;
    } finally {
      rl.close();
    }
  };
}
