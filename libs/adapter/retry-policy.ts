/**
 * When to try a failed delivery again, as a pure function (Fedify's retry policy: attempt number
 * in, delay or "give up" out), so schedules are tested without timers. Randomness is a parameter.
 */
export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  initialDelayMs: number;
  /** Each further failure multiplies the delay by this. */
  factor: number;
  /** Ceiling: a long outage settles into polling at this period. */
  maxDelayMs: number;
  /** Attempts in all (the first included); after the last failure: give up. */
  maxAttempts: number;
  /** Give up once the next try would start later than this after the first attempt. */
  maxElapsedMs: number;
  /** Fraction (0..1) of the delay that is randomized, shortening only, so failed peers are not retried in lockstep. */
  jitter: number;
}

/**
 * Fedify's shape (1 s, doubling, capped). 10 attempts span about 17 minutes, which rides out a
 * relay or server restart; longer outages end in `dead` + a dead letter that can be replayed.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 5 * 60_000,
  maxAttempts: 10,
  maxElapsedMs: 24 * 3_600_000,
  jitter: 0.1,
};

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * `attempts`: attempts made so far, all failed (1 after the first failure). `elapsedMs`: since the
 * first attempt. Permanent errors never reach this: the caller classifies first.
 */
export function nextRetry(attempts: number, elapsedMs: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: () => number = Math.random): RetryDecision {
  const n = Math.max(1, Math.floor(attempts));
  if (n >= policy.maxAttempts) return { retry: false, reason: `gave up after ${n} attempts` };
  // Clamp the exponent: factor ** 1100 is Infinity, and Infinity * 0 jitter would be NaN.
  const raw = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.min(n - 1, 1000));
  const jitter = Math.min(1, Math.max(0, policy.jitter)) * Math.min(1, Math.max(0, random()));
  const delayMs = Math.max(0, Math.round(raw * (1 - jitter)));
  if (elapsedMs + delayMs > policy.maxElapsedMs)
    return { retry: false, reason: `gave up after ${n} attempts in ${Math.round(elapsedMs / 1000)} s (limit ${Math.round(policy.maxElapsedMs / 1000)} s)` };
  return { retry: true, delayMs };
}

/** The whole schedule without jitter, for documentation and tests. */
export function retrySchedule(policy: RetryPolicy = DEFAULT_RETRY_POLICY): number[] {
  const out: number[] = [];
  let elapsed = 0;
  for (let attempt = 1; ; attempt++) {
    const d = nextRetry(attempt, elapsed, { ...policy, jitter: 0 });
    if (!d.retry) return out;
    out.push(d.delayMs);
    elapsed += d.delayMs;
  }
}
