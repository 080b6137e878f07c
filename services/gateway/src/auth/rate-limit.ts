// Abuse limits at the edge: a token bucket per key (a signed-in subject, or a client address),
// refilled continuously at `perSecond` up to `burst`. In memory, per gateway replica: with N
// replicas a client gets up to N times the rate, which bounds abuse without a shared store. The
// number of keys is bounded too (the least recently seen are forgotten), so a flood of
// addresses cannot grow the gateway's memory.

export interface RateLimitOptions {
  /** Sustained requests per second per key; 0 turns the limit off. */
  perSecond: number;
  /** Requests a key may make at once after a quiet spell. */
  burst: number;
  /** Keys remembered at most. */
  maxKeys?: number;
  now?: () => number;
}

/** A refused request: how long until one more would be accepted. */
export interface Limited {
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Takes one request for `key`: undefined when accepted, else how long to wait. */
  take(key: string): Limited | undefined {
    const { perSecond, burst } = this.options;
    if (perSecond <= 0) return undefined;
    const now = this.now();
    const seen = this.buckets.get(key);
    const tokens = seen ? Math.min(burst, seen.tokens + ((now - seen.at) / 1000) * perSecond) : burst;
    // Re-inserted so that the Map's order is least recently seen first.
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return undefined;
  }

  get size(): number {
    return this.buckets.size;
  }
}
