import { Lru, TokenBuckets, type BucketPolicy } from '../../../libs/collections/index.js';

export type FloodPolicy = BucketPolicy;

export type FloodVerdict = { admitted: true } | { admitted: false; log: boolean; skippedSinceLog: number };

/**
 * The per-repo flood limit of the firehose ingest, as a pure decision (time passed in): one token
 * bucket per DID (libs/collections TokenBuckets: bounded, the least recently seen DIDs forgotten,
 * which only forgives them). A commit over the limit is not admitted; `log` is true for the first
 * one a repo has skipped in `logWindowMs` (one log line per flooding repo per window, however
 * fast it writes), with how many were skipped since the previous line.
 */
export class FloodGate {
  private readonly buckets: TokenBuckets;
  /** Per flooding DID: when its last line was logged and how many were skipped since. */
  private readonly logged = new Lru<{ at: number; skipped: number }>(10_000);

  constructor(
    readonly policy: FloodPolicy,
    private readonly logWindowMs = 60_000,
  ) {
    this.buckets = new TokenBuckets(policy, 100_000);
  }

  admit(did: string, now: number): FloodVerdict {
    if (this.buckets.take(did, now).allowed) return { admitted: true };
    const last = this.logged.get(did);
    if (last && now - last.at < this.logWindowMs) {
      last.skipped++;
      return { admitted: false, log: false, skippedSinceLog: last.skipped };
    }
    this.logged.set(did, { at: now, skipped: 0 });
    return { admitted: false, log: true, skippedSinceLog: last?.skipped ?? 0 };
  }
}

/**
 * The time the flood limit is measured in: the firehose's own, not the time commits arrive. A
 * consumer catching up (after downtime, or replaying from an old cursor) reads an hour of a
 * person's commits in seconds; by arrival time that person would be a flood. Each commit's `time`
 * (set upstream) moves the clock, which never runs backwards nor past our own clock, and is one
 * for the whole stream: a repo claiming old times for its own commits cannot space them out. A
 * commit claiming "now" during a catch-up moves it to now: from then on, as by arrival time.
 */
export class StreamClock {
  private at = 0;

  tick(claimed: string | undefined, now: number): number {
    const t = claimed === undefined ? NaN : Date.parse(claimed);
    this.at = Number.isFinite(t) ? Math.max(this.at, Math.min(now, t)) : this.at || now;
    return this.at;
  }
}
