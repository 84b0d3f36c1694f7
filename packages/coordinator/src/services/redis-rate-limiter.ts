// Rate limits shared by every coordinator on one Redis: the same token buckets as TokenBuckets
// (src/services/token-bucket.ts), taken atomically by one Lua script per request, each bucket
// a hash that expires once it would be full again (a full bucket is the same as none). Time is
// this process's clock, as for TokenBuckets; coordinators' clocks a few ms apart only move a
// refill by as much. When Redis cannot be reached the limits fall back to this process's own
// buckets (logged once per outage), so requests are still served, each process then allowing
// the limit on its own; the next request that reaches Redis returns to the shared buckets.

import { Redis } from 'ioredis';
import { OutageLog, type BusLog } from '../bus/bus.ts';
import { redisSettled } from '../bus/redis-bus.ts';
import { TokenBuckets, WINDOW_MS, type BucketVerdict, type RateLimiter } from './token-bucket.ts';

/** KEYS[1] the bucket; ARGV limit per window, now (ms), window (ms), tokens to take. Returns {allowed, tokens as text}. */
const TAKE_SCRIPT = `
local limit = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local count = tonumber(ARGV[4]) or 1
local rate = limit / window
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or limit
local at = tonumber(bucket[2]) or now
tokens = math.min(limit, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= count then
  tokens = tokens - count
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((limit - tokens) / rate) + 1)
return {allowed, string.format('%.17g', tokens)}
`;

/** A request does not wait longer than this on a Redis that stopped answering. */
const COMMAND_TIMEOUT_MS = 500;

export class RedisRateLimiter implements RateLimiter {
  private readonly fallback: TokenBuckets;
  private readonly outage: OutageLog;

  constructor(
    private readonly redis: Redis,
    /** Prefix of the bucket keys, so that several marketplaces (or tests) can share one Redis. */
    private readonly keyPrefix: string,
    private readonly now: () => number,
    log: BusLog,
  ) {
    this.fallback = new TokenBuckets(now);
    this.outage = new OutageLog(log, 'Redis (rate limits; falling back to per-process limits meanwhile)');
    redis.defineCommand('aitbcTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    redis.on('error', () => undefined); // ioredis reconnects by itself; the outage is logged on use
  }

  /** Waits for the first connection only briefly: an unreachable Redis means per-process limits until it is back. */
  static async connect(url: string, namespace: string, now: () => number, log: BusLog): Promise<RedisRateLimiter> {
    // Commands fail at once while disconnected, instead of queueing behind the reconnection.
    const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: COMMAND_TIMEOUT_MS });
    const limiter = new RedisRateLimiter(redis, `${namespace}:rate:`, now, log);
    await redisSettled(redis);
    return limiter;
  }

  async take(key: string, limitPerMinute: number, count = 1): Promise<BucketVerdict> {
    const now = this.now();
    let reply: [number, string];
    try {
      const run = (this.redis as unknown as { aitbcTakeToken(key: string, ...args: (string | number)[]): Promise<[number, string]> }).aitbcTakeToken;
      reply = await run.call(this.redis, this.keyPrefix + key, limitPerMinute, Math.floor(now), WINDOW_MS, count);
      this.outage.succeeded();
    } catch (error) {
      this.outage.failed(error);
      return this.fallback.take(key, limitPerMinute, count);
    }
    const [allowed, tokensText] = reply;
    return TokenBuckets.verdict(allowed === 1, Number(tokensText), limitPerMinute, count);
  }

  /** Redis expires full buckets itself; this forgets the fallback's. */
  prune(): Promise<void> {
    return this.fallback.prune();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
