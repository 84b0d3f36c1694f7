// Per-key rate limits as token buckets: `limit` tokens a minute, refilled continuously, so a key
// may burst up to its limit and then runs at limit/60 per second. `retryAfterMs` is the real time
// until one token is back. In memory, per process; RedisRateLimiter
// (src/services/redis-rate-limiter.ts) keeps the same arithmetic in Redis for several coordinators.

export interface BucketVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until the next request would pass (0 when allowed). */
  retryAfterMs: number;
  /** Until the bucket is full again. */
  resetMs: number;
}

export const WINDOW_MS = 60_000;

/**
 * Per-key request limits. TokenBuckets keeps them in this process; several coordinators need a
 * shared store (Redis) with the same arithmetic, hence the promise.
 */
export interface RateLimiter {
  /** Takes `count` tokens (default 1) or none: a batch counts as one request per job. */
  take(key: string, limitPerMinute: number, count?: number): Promise<BucketVerdict>;
  /** Forgets what no longer matters (full buckets); a shared store may expire them itself. */
  prune(): Promise<void>;
  close(): Promise<void>;
}

export class TokenBuckets implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number) {}

  async take(key: string, limitPerMinute: number, count = 1): Promise<BucketVerdict> {
    const now = this.now();
    const ratePerMs = limitPerMinute / WINDOW_MS;
    const bucket = this.buckets.get(key) ?? { tokens: limitPerMinute, at: now };
    bucket.tokens = Math.min(limitPerMinute, bucket.tokens + Math.max(0, now - bucket.at) * ratePerMs);
    bucket.at = now;
    const allowed = bucket.tokens >= count;
    if (allowed) bucket.tokens -= count;
    this.buckets.set(key, bucket);
    return TokenBuckets.verdict(allowed, bucket.tokens, limitPerMinute, count);
  }

  /** The verdict of a take that left `tokens` in the bucket (shared with RedisRateLimiter). */
  static verdict(allowed: boolean, tokens: number, limitPerMinute: number, count = 1): BucketVerdict {
    const ratePerMs = limitPerMinute / WINDOW_MS;
    return {
      allowed,
      limit: limitPerMinute,
      remaining: Math.floor(tokens),
      // A count above the limit never fits: the wait shown is until the bucket is full.
      retryAfterMs: allowed ? 0 : (Math.min(count, limitPerMinute) - tokens) / ratePerMs,
      resetMs: (limitPerMinute - tokens) / ratePerMs,
    };
  }

  /** Forgets buckets that have refilled completely (they behave exactly like new ones). */
  async prune(): Promise<void> {
    const now = this.now();
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= WINDOW_MS) this.buckets.delete(key);
  }

  async close(): Promise<void> {}
}
