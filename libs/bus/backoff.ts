/**
 * Retry policy shared by both bus backends and by callers that retry a failed publish.
 * Pure: randomness is a parameter so tests need no timers and no mocks.
 */
export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Ceiling: a long outage settles into polling at this period instead of growing forever. */
  maxMs: number;
  /** Fraction (0..1) of the delay that is randomized, so many consumers that failed together do not retry in lockstep. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 30_000, jitter: 0.2 };

/**
 * Delay before retry number `attempt` (1 = first retry after the first failure).
 * Jitter only shortens the delay, so the result never exceeds maxMs.
 */
export function retryDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2 ** 1023 is the last finite power; clamp the exponent instead of letting it reach Infinity * 0 = NaN.
  const exp = Math.min(n - 1, 1000);
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** exp);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(raw * (1 - jitter * r)));
}

/**
 * Convention for errors crossing the bus: `retryable: false` marks a permanent failure (a retry
 * cannot help: bad input, unknown topic); anything else is assumed transient.
 */
export class BusError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'BusError';
    this.retryable = options.retryable;
  }
}

export function isRetryable(err: unknown): boolean {
  return !(typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === false);
}

/** Sleep that an AbortSignal cuts short (resolves, never rejects: the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
