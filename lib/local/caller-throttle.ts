import { TokenBucket } from 'limiter';

/** A throttle's verdict: go on, or retry after that many seconds (≥ 1, as `Retry-After` says). */
export type ThrottleVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * One token bucket per caller (limiter's `TokenBucket`): `rateLimit` tokens/s refill a bucket of
 * `burstLimit`, which starts full; each request takes one token. What API Gateway's usage-plan
 * throttling does per API key, here per caller of a route.
 */
export class CallerThrottle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(readonly limits: { readonly rateLimit: number; readonly burstLimit: number }) {}

  /** Takes a token of `caller`'s bucket, if there is one. */
  take(caller: string): ThrottleVerdict {
    let bucket = this.buckets.get(caller);
    if (!bucket) {
      bucket = new TokenBucket({ bucketSize: this.limits.burstLimit, tokensPerInterval: this.limits.rateLimit, interval: 1000 });
      bucket.content = this.limits.burstLimit; // limiter's buckets start empty; a new caller gets its burst
      this.buckets.set(caller, bucket);
    }
    if (bucket.tryRemoveTokens(1)) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(bucket.getWaitTime(1) / 1000)) };
  }
}
