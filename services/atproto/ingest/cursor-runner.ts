import { ConsecutiveList, type ConsecutiveItem } from '@atproto/sync';

export interface CursorRunnerOptions {
  startCursor?: number;
  /** Decided before any verification: an unwatched repo's event costs a lookup, not a signature check. */
  isWatched: (did: string, seq: number) => boolean;
  /** Decided first: an event passed over on purpose (a flooding repo's commit), like an unwatched one but not counted as one. */
  skip?: (did: string, seq: number) => boolean;
  /** Persist the cursor (every event up to it has been handed to the bus, or needed nothing). */
  setCursor: (seq: number) => Promise<void>;
  /**
   * Resolves once what the handlers handed over so far is on the bus (IngestBatch.settled): a
   * handler may return before its events are written, so the next event of its repo is verified
   * meanwhile, but the event counts as finished only after this. Rejects when it was given up.
   */
  settled?: () => Promise<void>;
  /** How often progress over unwatched events alone is saved (replaying those is free). Default 1 s. */
  idleFlushMs?: number;
  onUnwatched?: () => void;
  /**
   * True once an event was cut short (the ingest is stopping and the bus did not take it). The
   * Firehose swallows handler errors (FirehoseHandlerError) and reports the handler done, so the
   * runner cannot tell by itself; from then on the cursor stays where it is.
   */
  frozen?: () => boolean;
  /** Watched events queued or running, at most (default 1000); beyond it `roomForMore` waits. */
  maxInFlight?: number;
  /** Queued events of one repo, at most (default 100): one busy repo cannot fill memory either. */
  maxPerDid?: number;
}

/**
 * The @atproto/sync Firehose's EventRunner: one queue per DID (a repo's events stay in order; other
 * repos do not wait), the DID filter before the Firehose parses and verifies the commit, and the
 * cursor moved only over a consecutive prefix of finished (settled) events. After watched events
 * are published the cursor is saved at once, one save at a time (saves asked for meanwhile become
 * one: with batched writes, one per batch); progress over unwatched events is saved at most every
 * `idleFlushMs`. After stop(), nothing more is saved: an event whose handler was cut short must
 * be seen again.
 *
 * Bounded: `roomForMore()` resolves only while fewer than `maxInFlight` events are queued and no
 * repo has `maxPerDid`. The ingest waits on it before reading the next frame, so a slow bus stops
 * the reading (the WebSocket client pauses the socket once its own 1 MB buffer is full) instead of
 * queueing without end; nothing is dropped.
 */
export class CursorRunner {
  private readonly consecutive = new ConsecutiveList<number>();
  /** Per repo, the last handler queued: the next one starts when it returns. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Events queued, handled or waiting to settle. */
  private readonly outstanding = new Set<Promise<void>>();
  private flushQueued = false;
  private cursor?: number;
  private saved?: number;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private pending = 0;
  private readonly perDid = new Map<string, number>();
  /** Repos at their limit right now. */
  private full = 0;
  private waiters: Array<() => void> = [];
  private peakInFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxPerDid: number;

  constructor(private readonly o: CursorRunnerOptions) {
    this.cursor = o.startCursor;
    this.saved = o.startCursor;
    this.maxInFlight = Math.max(1, o.maxInFlight ?? 1000);
    this.maxPerDid = Math.max(1, o.maxPerDid ?? 100);
  }

  /** The most events ever queued at once (tests, health). */
  get peak(): number {
    return this.peakInFlight;
  }

  /** Resolves when another event may be read (at once when there is room, or stopped). */
  roomForMore(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private hasRoom(): boolean {
    return this.stopped || (this.pending < this.maxInFlight && this.full === 0);
  }

  private wake(): void {
    if (!this.hasRoom()) return;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  private enter(did: string): void {
    this.pending++;
    this.peakInFlight = Math.max(this.peakInFlight, this.pending);
    const n = (this.perDid.get(did) ?? 0) + 1;
    this.perDid.set(did, n);
    if (n === this.maxPerDid) this.full++;
  }

  private leave(did: string): void {
    this.pending--;
    const n = (this.perDid.get(did) ?? 1) - 1;
    if (n + 1 === this.maxPerDid) this.full--;
    if (n <= 0) this.perDid.delete(did);
    else this.perDid.set(did, n);
    this.wake();
  }

  getCursor(): number | undefined {
    return this.cursor;
  }

  /** Events queued or running (what the firehose has handed us and we have not finished). */
  get inFlight(): number {
    return this.pending;
  }

  async trackEvent(did: string, seq: number, handler: () => Promise<void>): Promise<void> {
    if (this.stopped) return;
    const item = this.consecutive.push(seq);
    const skipped = this.o.skip?.(did, seq) ?? false;
    if (skipped || !this.o.isWatched(did, seq)) {
      if (!skipped) this.o.onUnwatched?.();
      this.complete(item, false);
      return;
    }
    this.enter(did);
    const prev = this.queues.get(did) ?? Promise.resolve();
    const handled = prev.then(handler);
    const queued = handled.catch(() => undefined);
    this.queues.set(did, queued);
    const done = handled
      .then(() => this.o.settled?.())
      .then(
        () => this.complete(item, true),
        // The handler does not throw (the ingest retries the bus until it stops); a throw here means stopping.
        () => undefined,
      )
      .finally(() => {
        if (this.queues.get(did) === queued) this.queues.delete(did);
        this.outstanding.delete(done);
        this.leave(did);
      });
    this.outstanding.add(done);
    await done;
  }

  /** Wait for queued work (tests, graceful stop). */
  async drain(): Promise<void> {
    while (this.outstanding.size) await Promise.all([...this.outstanding]);
    await this.saving;
  }

  /** Graceful: finish what is queued, save the cursor, then take nothing more. */
  async stop(): Promise<void> {
    await this.drain();
    await this.flush();
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake();
  }

  /** Abrupt (a crash): nothing more is saved. */
  kill(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake();
  }

  private complete(item: ConsecutiveItem<number>, published: boolean): void {
    if (this.o.frozen?.()) return;
    const latest = item.complete().at(-1);
    if (latest === undefined) return;
    this.cursor = latest;
    if (published) void this.flush();
    else this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.idleFlushMs ?? 1_000);
  }

  /** Serialized, never backwards; asked for while one is waiting, it is that one. */
  private flush(): Promise<void> {
    if (this.flushQueued) return this.saving;
    this.flushQueued = true;
    this.saving = this.saving.then(async () => {
      this.flushQueued = false;
      const c = this.cursor;
      if (this.stopped || this.o.frozen?.() || c === undefined || (this.saved !== undefined && c <= this.saved)) return;
      try {
        await this.o.setCursor(c);
        this.saved = c;
      } catch {
        // The database is away: the next flush tries again; the cursor only lags (events replay, deduplicated by id).
      }
    });
    return this.saving;
  }
}
