// Asking a person before doing something that cannot be undone: a y/N question on the terminal,
// and the refusal to go ahead silently when there is no terminal to ask on.

import { createInterface } from 'node:readline';
import { CliError, EXIT } from './exit-codes.ts';

/**
 * True when the person answers y or yes; anything else, an empty line or Ctrl-D is no. Refuses
 * (usage, exit 2) without a terminal, naming the flag that answers in advance.
 */
export async function confirm(question: string, yesFlag: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError('CLI_USAGE', `there is no terminal to ask "${question}" on: pass ${yesFlag} to go ahead without asking`, EXIT.USAGE);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.on('close', () => resolve(''));
      rl.on('SIGINT', () => {
        process.stderr.write('\n');
        rl.close();
      });
      rl.question(`${question} [y/N] `, resolve);
    });
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
