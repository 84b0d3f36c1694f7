// The `aitbc` exit codes: one table, and the one function that maps a failure onto it, so every
// command exits the same way for the same kind of failure and scripts can branch on the code.

import { AitbcError, NetworkError, WaitTimeoutError } from '@aitbc/sdk';

export const EXIT = {
  OK: 0,
  /** Anything else: a refused request (validation, conflict, rate limit), a failed job, a local error. */
  OTHER: 1,
  /** The command line itself: an unknown command or flag, a missing or malformed value. */
  USAGE: 2,
  /** The key: missing, invalid, expired (401) or without the scope (403). */
  AUTH: 3,
  /** Not enough AITBC available (402). */
  PAYMENT: 4,
  /** No such job, miner, receipt or route (404). */
  NOT_FOUND: 5,
  /** No answer at all: nothing listens at the URL, the connection broke or timed out. */
  NETWORK: 6,
  /** The server failed or is unavailable (5xx: internal error, upstream failure, maintenance, overload). */
  SERVER: 7,
  /** The job is not finished: `job result` before it ends, or `--wait` gave up waiting. */
  PENDING: 8,
  /** Ctrl-C stopped `--wait`, or left `aitbc chat` at an empty prompt (128 + SIGINT, as shells report it). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as `--help` shows it. */
export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    other failure (a refused request, a failed job, a local error)
  2    usage: unknown command or flag, missing or malformed value
  3    auth: API key missing, invalid, expired or without the scope (HTTP 401, 403)
  4    payment: not enough AITBC available (HTTP 402)
  5    not found: no such job, miner, receipt or route (HTTP 404)
  6    network: no answer from the server
  7    server: the server failed or is unavailable (HTTP 5xx)
  8    pending: the job is not finished yet (job result, --wait gave up)
  130  interrupted: Ctrl-C during --wait (a queued job is cancelled and refunded), or at an
       empty chat prompt

With --json, an error is printed on stdout as JSON, like any answer: the coordinator's error
envelope (error_code, detail, request_id, field, retry_after) plus status, resolution and exit_code.`;

/** A failure the CLI itself finds (bad usage, a job not finished), with its own code and exit code. */
export class CliError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for an error thrown by a command: by the SDK's error family, else by HTTP status. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (!(error instanceof AitbcError)) return EXIT.OTHER;
  if (error instanceof NetworkError || (error.status === 0 && error.errorCode === 'NETWORK_ERROR')) return EXIT.NETWORK;
  if (error instanceof WaitTimeoutError) return EXIT.PENDING;
  if (error.status === 401 || error.status === 403) return EXIT.AUTH;
  if (error.status === 402) return EXIT.PAYMENT;
  if (error.status === 404) return EXIT.NOT_FOUND;
  if (error.status >= 500) return EXIT.SERVER;
  return EXIT.OTHER;
}
