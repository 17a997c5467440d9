import { ConsecutiveList, type ConsecutiveItem } from '@atproto/sync';

export interface CursorRunnerOptions {
  startCursor?: number;
  /** Decided before any verification: an unwatched repo's event costs a lookup, not a signature check. */
  isWatched: (did: string) => boolean;
  /** Persist the cursor (every event up to it has been handed to the bus, or needed nothing). */
  setCursor: (seq: number) => Promise<void>;
  /** How often progress over unwatched events alone is saved (replaying those is free). Default 1 s. */
  idleFlushMs?: number;
  onUnwatched?: () => void;
  /**
   * True once an event was cut short (the ingest is stopping and the bus did not take it). The
   * Firehose swallows handler errors (FirehoseHandlerError) and reports the handler done, so the
   * runner cannot tell by itself; from then on the cursor stays where it is.
   */
  frozen?: () => boolean;
}

/**
 * The @atproto/sync Firehose's EventRunner: one queue per DID (a repo's events stay in order; other
 * repos do not wait), the DID filter before the Firehose parses and verifies the commit, and the
 * cursor moved only over a consecutive prefix of finished events. After a watched event is
 * published the cursor is saved at once; progress over unwatched events is saved at most every
 * `idleFlushMs`. After stop(), nothing more is saved: an event whose handler was cut short must
 * be seen again.
 */
export class CursorRunner {
  private readonly consecutive = new ConsecutiveList<number>();
  private readonly queues = new Map<string, Promise<void>>();
  private cursor?: number;
  private saved?: number;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private pending = 0;

  constructor(private readonly o: CursorRunnerOptions) {
    this.cursor = o.startCursor;
    this.saved = o.startCursor;
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
    if (!this.o.isWatched(did)) {
      this.o.onUnwatched?.();
      this.complete(item, false);
      return;
    }
    this.pending++;
    const prev = this.queues.get(did) ?? Promise.resolve();
    const next = prev.then(handler).then(
      () => this.complete(item, true),
      // The handler does not throw (the ingest retries the bus until it stops); a throw here means stopping.
      () => undefined,
    ).finally(() => {
      this.pending--;
      if (this.queues.get(did) === next) this.queues.delete(did);
    });
    this.queues.set(did, next);
    await next;
  }

  /** Wait for queued work (tests, graceful stop). */
  async drain(): Promise<void> {
    while (this.queues.size) await Promise.all([...this.queues.values()]);
    await this.saving;
  }

  /** Graceful: finish what is queued, save the cursor, then take nothing more. */
  async stop(): Promise<void> {
    await this.drain();
    await this.flush();
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Abrupt (a crash): nothing more is saved. */
  kill(): void {
    this.stopped = true;
    clearTimeout(this.timer);
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

  /** Serialized, never backwards. */
  private flush(): Promise<void> {
    this.saving = this.saving.then(async () => {
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
