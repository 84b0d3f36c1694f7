// How commands talk to people: aligned tables, errors that say what to do, and --json for scripts.

import { AitbcError } from '@aitbc/sdk';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Columns padded to their widest cell. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(headers), ...rows.map(line)].join('\n') + '\n');
}

/** Prints an error with its code, detail, what to do and the request id; sets a failing exit code. */
export function reportError(error: unknown): void {
  if (error instanceof AitbcError) {
    const lines = [`error ${error.errorCode}: ${error.detail}`];
    if (error.resolution) lines.push(`what to do: ${error.resolution}`);
    if (error.requestId) lines.push(`request id: ${error.requestId}`);
    process.stderr.write(lines.join('\n') + '\n');
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = 1;
}

/** A one-line status that rewrites itself on a terminal (and prints plain lines elsewhere). */
export function statusLine(): { update(text: string): void; done(): void } {
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  let text = '';
  const tty = process.stderr.isTTY;
  const timer = tty ? setInterval(() => process.stderr.write(`\r${frames[frame++ % frames.length]} ${text}\x1b[K`), 100) : null;
  return {
    update(next) {
      if (next !== text && !tty) process.stderr.write(`${next}\n`);
      text = next;
    },
    done() {
      if (timer) {
        clearInterval(timer);
        process.stderr.write('\r\x1b[K');
      }
    },
  };
}

/** Wraps a command action so any error is reported in the same words and exit code. */
export const action =
  <A extends unknown[]>(run: (...args: A) => Promise<void>) =>
  (...args: A): Promise<void> =>
    run(...args).catch(reportError);
