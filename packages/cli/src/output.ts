// How commands talk to people: aligned tables, errors that say what to do, and --json for scripts.

import { Command } from 'commander';
import { AitbcError, ValidationError } from '@aitbc/sdk';
import { CliError, exitCodeOf } from './exit-codes.ts';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Columns padded to their widest cell. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(headers), ...rows.map(line)].join('\n') + '\n');
}

/** `job job-…: 5 + 7 tokens in 1.2 s, price 0.012 AITBC`: what a finished job used, took and cost. */
export function costLine(jobId: string, usage: { prompt_tokens: number; completion_tokens: number } | null, price: string, elapsedMs?: number): string {
  const tokens = usage ? `${usage.prompt_tokens} + ${usage.completion_tokens} tokens` : 'tokens not reported';
  const elapsed = elapsedMs === undefined ? '' : ` in ${(elapsedMs / 1000).toFixed(1)} s`;
  return `job ${jobId}: ${tokens}${elapsed}, price ${price} AITBC`;
}

/**
 * Prints an error and sets its exit code (exit-codes.ts). As text on stderr: the code, detail,
 * what to do and the request id. Under --json on stdout, like any answer: the error envelope's
 * fields plus status, resolution and exit_code, so a script reads one JSON document either way.
 */
export function reportError(error: unknown, json = false): void {
  const exitCode = exitCodeOf(error);
  process.exitCode = exitCode;
  if (json) return printJson({ ...errorFields(error), exit_code: exitCode });
  if (error instanceof AitbcError) {
    const lines = [`error ${error.errorCode}: ${error.detail}`];
    if (error.resolution) lines.push(`what to do: ${error.resolution}`);
    if (error.requestId) lines.push(`request id: ${error.requestId}`);
    process.stderr.write(lines.join('\n') + '\n');
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof AitbcError) {
    const fields: Record<string, unknown> = { error_code: error.errorCode, detail: error.detail, status: error.status };
    if (error.requestId) fields.request_id = error.requestId;
    if (error instanceof ValidationError && error.field) fields.field = error.field;
    if (error.retryAfter !== undefined) fields.retry_after = error.retryAfter;
    if (error.resolution) fields.resolution = error.resolution;
    return fields;
  }
  if (error instanceof CliError) return { error_code: error.errorCode, detail: error.message, status: 0 };
  return { error_code: 'CLI_ERROR', detail: error instanceof Error ? error.message : String(error), status: 0 };
}

/** A one-line status that rewrites itself on a terminal (and prints plain lines elsewhere). */
export function statusLine(): { update(text: string): void; done(): void } {
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  let text = '';
  const tty = process.stderr.isTTY;
  let timer = tty ? setInterval(() => process.stderr.write(`\r${frames[frame++ % frames.length]} ${text}\x1b[K`), 100) : null;
  return {
    update(next) {
      if (next !== text && !tty) process.stderr.write(`${next}\n`);
      text = next;
    },
    done() {
      // Once only: clearing the line again would erase output printed after the status.
      if (timer) {
        clearInterval(timer);
        timer = null;
        process.stderr.write('\r\x1b[K');
      }
    },
  };
}

/** Wraps a command action so any error is reported in the same words and exit code (JSON under --json). */
export const action =
  <A extends unknown[]>(run: (...args: A) => Promise<void>) =>
  (...args: A): Promise<void> =>
    run(...args).catch((error: unknown) => reportError(error, wantsJson(args)));

/** Whether the command runs with --json: commander passes its options then the Command last. */
function wantsJson(args: unknown[]): boolean {
  const command = args.at(-1);
  return command instanceof Command && command.opts().json === true;
}
