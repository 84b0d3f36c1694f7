// Request guards that run before any handler, in this order: maintenance (before authentication,
// per docs/API.md), event-loop lag, then after authentication the per-key rate limit, and once the
// body is in, the in-flight cap.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@aitbc/protocol';
import type { CoordinatorConfig } from '../config.ts';
import type { Maintenance } from '../services/maintenance.ts';
import type { RateLimiter } from '../services/token-bucket.ts';
import { BOOTSTRAP_KEY_ID } from '../services/keys.ts';
import { isApiPath } from '@aitbc/server-edge';

/** Paths that answer during maintenance (docs/API.md) and paths never shed under load. */
export const MAINTENANCE_EXEMPT = /^\/(v1\/admin\/|v1\/health|v1\/coordinator|openapi\.json|docs|metrics)/;
export const LOAD_EXEMPT = /^\/(v1\/health|metrics)/;
/** Long-polls wait by design; counting them as load would shed the miners we are waiting for. */
const LONG_POLLS = new Set(['/v1/miners/poll', '/v1/miners/poll/batch']);

const pathOf = (request: FastifyRequest) => request.url.split('?')[0] ?? '/';

export function installMaintenanceGuard(app: FastifyInstance, maintenance: Maintenance): void {
  app.addHook('onRequest', async (request) => {
    const state = maintenance.current;
    const path = pathOf(request);
    // The web app's pages and files still load, so that the operator panel can turn it off.
    if (!state.enabled || MAINTENANCE_EXEMPT.test(path) || !isApiPath(path)) return;
    throw new ApiError('SYSTEM_MAINTENANCE', state.message || 'The coordinator is in maintenance; retry later', { retryAfterSeconds: state.retryAfterSeconds });
  });
}

export interface LoadMonitor {
  inFlight(): number;
  eventLoopDelayMs(): number;
  stop(): void;
}

export function installLoadShedding(app: FastifyInstance, config: CoordinatorConfig): LoadMonitor {
  let inFlight = 0;
  let lagMs = 0;
  let lastWindowLagMs = 0;
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  // Lag counts when it lasts: the lower p99 of the last two 1-s windows, so one stall (start-up
  // compiling, a GC pause) does not turn clients away while a loop that stays slow does.
  const sampler = setInterval(() => {
    const windowLagMs = histogram.percentile(99) / 1e6;
    histogram.reset();
    lagMs = Math.min(windowLagMs, lastWindowLagMs);
    lastWindowLagMs = windowLagMs;
  }, 1_000);
  sampler.unref();

  // Lag is checked at once: a lagging loop should not even read the body.
  app.addHook('onRequest', async (request) => {
    if (LOAD_EXEMPT.test(pathOf(request))) return;
    if (lagMs > config.maxEventLoopDelayMs) {
      throw new ApiError('SYSTEM_OVERLOADED', `The coordinator is overloaded (event loop lag ${Math.round(lagMs)} ms); retry with backoff`, { retryAfterSeconds: Math.ceil(lagMs / 1000) + 1 });
    }
  });
  // A request counts as load only once its body is in: a client dribbling a body costs a socket
  // (bounded by the request timeout), not a slot, so slow uploads cannot shed everyone else.
  app.addHook('preHandler', async (request, reply) => {
    const path = pathOf(request);
    if (LOAD_EXEMPT.test(path) || LONG_POLLS.has(path)) return;
    if (inFlight >= config.maxInFlight) {
      throw new ApiError('SYSTEM_OVERLOADED', `The coordinator is at capacity (${inFlight} requests in flight); retry with backoff`, { retryAfterSeconds: 1 });
    }
    inFlight++;
    // 'close' fires once whether the answer was sent or the client went away.
    reply.raw.once('close', () => inFlight--);
  });

  return {
    inFlight: () => inFlight,
    eventLoopDelayMs: () => lagMs,
    stop: () => {
      clearInterval(sampler);
      histogram.disable();
    },
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How many requests of the key's rate limit the route counts, read once the body is valid (a batch: one per job). */
    rateCost?: (request: FastifyRequest) => number;
  }
}

export function installRateLimit(app: FastifyInstance, buckets: RateLimiter, config: CoordinatorConfig): void {
  /** Takes `count` tokens; `jobs`: the batch's size, for the refusal. */
  const charge = async (request: FastifyRequest, reply: FastifyReply, count: number, jobs = 1) => {
    const principal = request.principal;
    // The bootstrap admin key is exempt: it is the operator's own key, given on the command line,
    // and the way out of an incident (new keys, credit, maintenance off). A default limit meant
    // to bound client keys must not lock the operator out while a flood is going on.
    if (!principal || principal.keyId === BOOTSTRAP_KEY_ID) return;
    const limit = principal.rateLimitPerMinute ?? config.defaultRateLimitPerMinute;
    if (limit === null) return;
    const verdict = await buckets.take(principal.keyId, limit, count);
    reply.header('X-RateLimit-Limit', String(verdict.limit));
    reply.header('X-RateLimit-Remaining', String(verdict.remaining));
    reply.header('X-RateLimit-Reset', String(Math.ceil(verdict.resetMs / 1000)));
    if (!verdict.allowed) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      const batch = jobs > 1 ? `; this batch counts ${jobs} (one per job)${jobs > limit ? `, more than the limit: send at most ${limit} a batch` : ''}` : '';
      throw new ApiError('RATE_LIMIT_EXCEEDED', `Rate limit of ${limit} requests per minute exceeded${batch}. Retry after ${seconds} seconds`, { retryAfterSeconds: verdict.retryAfterMs / 1000 });
    }
  };
  app.addHook('onRequest', async (request, reply) => charge(request, reply, 1));
  // A batch has counted one request on arrival; once its body is known, the rest of its jobs.
  app.addHook('preHandler', async (request, reply) => {
    const cost = request.routeOptions.config?.rateCost?.(request) ?? 1;
    if (cost > 1) await charge(request, reply, cost - 1, cost);
  });
}
