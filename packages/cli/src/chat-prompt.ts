// The prompt line of `aitbc chat` (node:readline). The terminal is in raw mode only while a
// line is typed: readline reads Ctrl-C there as a key (clear the line, or leave at an empty one),
// and while an answer streams the terminal is back in its usual mode, so Ctrl-C reaches the
// process as SIGINT, which stops the answer. Lines typed earlier stay in the up-arrow history.

import { createInterface } from 'node:readline';

export type Asked =
  | { kind: 'line'; text: string }
  /** Ctrl-D on an empty line, or stdin closed. */
  | { kind: 'end' }
  /** Ctrl-C on an empty line. */
  | { kind: 'interrupt' }
  /** Ctrl-C with text typed: the line is dropped, ask again. */
  | { kind: 'cleared' };

/** Shows `prompt` and reads one line; `history` (newest first) is kept up to date across calls. */
export function askLine(prompt: string, history: string[]): Promise<Asked> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true, prompt, history: [...history], historySize: 500, removeHistoryDuplicates: true });
  return new Promise((resolve) => {
    let asked: Asked = { kind: 'end' };
    const settle = (answer: Asked) => {
      asked = answer;
      rl.close();
    };
    rl.on('history', (lines: string[]) => history.splice(0, history.length, ...lines));
    rl.on('line', (text) => settle({ kind: 'line', text }));
    rl.on('SIGINT', () => {
      const typed = rl.line !== '';
      process.stdout.write(typed ? '^C\n' : '\n');
      settle(typed ? { kind: 'cleared' } : { kind: 'interrupt' });
    });
    rl.once('close', () => resolve(asked));
    rl.prompt();
  });
}
