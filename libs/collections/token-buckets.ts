import { Lru } from './lru.js';

export interface BucketPolicy {
  /** Sustained rate. */
  perMinute: number;
  /** Requests allowed at once from a full bucket. */
  burst: number;
}

export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per key (a client IP, a remote actor, a Nostr pubkey), in memory: per process, forgotten on restart, and bounded
 * (the least recently seen keys are dropped first, which only ever forgives them). A deployment
 * with several replicas gives each key replicas × the limit; a shared store would fix
 * that, and is not worth its latency for a limit meant to stop floods. Time is passed in.
 */
export class TokenBuckets {
  private readonly buckets: Lru<Bucket>;
  private readonly perMs: number;

  constructor(
    private readonly policy: BucketPolicy,
    maxKeys = 50_000,
  ) {
    if (!(policy.perMinute > 0) || !(policy.burst >= 1)) throw new RangeError('perMinute must be > 0 and burst ≥ 1');
    this.buckets = new Lru(maxKeys);
    this.perMs = policy.perMinute / 60_000;
  }

  take(key: string, now: number): TakeResult {
    const b = this.buckets.get(key) ?? { tokens: this.policy.burst, at: now };
    const tokens = Math.min(this.policy.burst, b.tokens + Math.max(0, now - b.at) * this.perMs);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { allowed: false, retryAfterMs: Math.ceil((1 - tokens) / this.perMs) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return { allowed: true, remaining: Math.floor(tokens - 1) };
  }
}

