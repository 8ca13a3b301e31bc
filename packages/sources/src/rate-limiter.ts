import type { Clock } from '@vigil/runtime';

/**
 * A token bucket per source, counted in events. In-process: each ingest replica enforces its share;
 * it protects the pipeline from one noisy sender, it is not a quota.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(private readonly clock: Clock) {}

  /** Takes `cost` tokens if there are enough; otherwise says how long until there will be. */
  take(key: string, cost: number, limit: { eventsPerSecond: number; burst: number }): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, updatedAt: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * limit.eventsPerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    // A batch larger than the burst goes through once the bucket is full, leaving it in debt.
    if (bucket.tokens >= Math.min(cost, limit.burst)) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    const missing = Math.min(cost, limit.burst) - bucket.tokens;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / limit.eventsPerSecond)) };
  }
}
