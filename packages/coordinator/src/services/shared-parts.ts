// The three parts of a coordinator that a second process on the same database would break, chosen
// from the config: with `redisUrl`, Redis is the bus and holds the rate limits; else with a
// postgres:// `databaseUrl`, LISTEN/NOTIFY is the bus and rate limits stay per process; else (one
// process on SQLite: `aitbc devnet`, `aitbc coordinator --db`) everything stays in memory.

import type { FastifyBaseLogger } from 'fastify';
import type { Bus } from '../bus/bus.ts';
import type { CoordinatorConfig } from '../config.ts';
import { SharedStreamHub } from './shared-stream-hub.ts';
import { SharedWorkSignal } from './shared-work-signal.ts';
import { LocalStreamHub, type StreamHub } from './stream-hub.ts';
import { TokenBuckets, type RateLimiter } from './token-bucket.ts';
import { LocalWorkSignal, type WorkSignal } from './work-signal.ts';

export interface SharedParts {
  /** null: this coordinator is alone (in-memory signal and hub). */
  bus: Bus | null;
  signal: WorkSignal;
  hub: StreamHub;
  rateLimiter: RateLimiter;
  /** Closes the bus and Redis connections (after the server stopped). */
  close(): Promise<void>;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

export async function openSharedParts(config: CoordinatorConfig, processId: string, log: FastifyBaseLogger): Promise<SharedParts> {
  const maxStreamBytes = config.maxStreamBytes ?? config.bodyLimitBytes;
  const namespace = config.sharedNamespace;
  // The Redis and PostgreSQL clients are loaded only when configured: a lone coordinator never pays for them.
  const bus: Bus | null = config.redisUrl
    ? await (await import('../bus/redis-bus.ts')).RedisBus.open(config.redisUrl, namespace, log)
    : config.databaseUrl && POSTGRES_URL.test(config.databaseUrl)
      ? await (await import('../bus/pg-bus.ts')).PgBus.open(config.databaseUrl, namespace, log)
      : null;
  const rateLimiter: RateLimiter = config.redisUrl ? await (await import('./redis-rate-limiter.ts')).RedisRateLimiter.connect(config.redisUrl, namespace, config.now, log) : new TokenBuckets(config.now);
  if (!bus) return { bus, signal: new LocalWorkSignal(), hub: new LocalStreamHub(maxStreamBytes, log), rateLimiter, close: () => rateLimiter.close() };
  const signal = await SharedWorkSignal.open(bus, processId, log);
  const hub = await SharedStreamHub.open(maxStreamBytes, bus, processId, log, config.now);
  return {
    bus,
    signal,
    hub,
    rateLimiter,
    async close() {
      hub.close();
      signal.close();
      await rateLimiter.close();
      await bus.close();
    },
  };
}
