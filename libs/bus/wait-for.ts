import { retryDelay, sleep, type BackoffPolicy } from './backoff.js';

/**
 * Start-up steps (connect to the broker, create topics, join a group, open the database) wait
 * for a dependency that is away instead of exiting: a broker or database restart, or a pod that
 * starts before them, then needs no babysitting. Faster than the bus's batch backoff at first and
 * capped at 5 s, so a service is up within seconds of its dependency.
 */
export const STARTUP_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 5_000, jitter: 0.2 };

/** One failed attempt of a start-up step, reported before the pause that follows it. */
export interface WaitReport {
  /** What the step waits for, for a person: `kafka broker 10.0.0.5:9092`, `postgres db:5432/pontis`. */
  what: string;
  attempt: number;
  retryInMs: number;
  /** The error of this attempt, one line. */
  reason: string;
}

/** Told of every wait and of its end: logs it, and /health says what a starting service waits for. */
export interface StartupObserver {
  waiting(report: WaitReport): void;
  /** The step succeeded after at least one wait. */
  ready(what: string): void;
}

export interface WaitOptions {
  /** True when the error means "away for now"; anything else (a configuration error) is thrown at once. */
  isTransient: (err: unknown) => boolean;
  backoff?: BackoffPolicy;
  observer?: StartupObserver;
  /** Aborting stops the wait: the last error is thrown. */
  signal?: AbortSignal;
}

/** Runs `step` until it succeeds or fails with an error that is not transient. */
export async function waitFor<T>(what: string, step: () => Promise<T>, o: WaitOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await step();
      if (attempt > 1) o.observer?.ready(what);
      return result;
    } catch (err) {
      if (!o.isTransient(err) || o.signal?.aborted) throw err;
      const retryInMs = retryDelay(attempt, o.backoff ?? STARTUP_BACKOFF);
      o.observer?.waiting({ what, attempt, retryInMs, reason: oneLine(err) });
      await sleep(retryInMs, o.signal);
      if (o.signal?.aborted) throw err;
    }
  }
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 300);
}
