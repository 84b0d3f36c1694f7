// Socket, listener and timer callbacks run outside any request, so an exception thrown there
// would reach the process and stop the coordinator (and the devnet's chain with it). Every such
// callback goes through `safely`: the error is logged, and `onError` closes what it concerns.

import type { FastifyBaseLogger } from 'fastify';

export type ErrorLog = Pick<FastifyBaseLogger, 'error'>;

/** Wraps a callback (sync or async) so that nothing it throws or rejects with escapes. */
export function safely<Args extends unknown[]>(log: ErrorLog, what: string, callback: (...args: Args) => unknown, onError?: (error: unknown) => void): (...args: Args) => void {
  const failed = (error: unknown) => {
    log.error({ err: error }, what);
    try {
      onError?.(error);
    } catch (inner) {
      log.error({ err: inner }, `${what}, then closing after it failed`);
    }
  };
  return (...args) => {
    try {
      const result = callback(...args);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  };
}
