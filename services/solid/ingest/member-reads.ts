/**
 * The members of one pod that notifications named, read a few at a time, each on its own.
 *
 * They used to be read by a pass of the pod, and passes of a pod never overlap: while one read
 * hung on a busy pod server (up to the 15 s timeout), every notification after it waited, and one
 * read that timed out failed the whole pass, the others' reads with it (the latency bench: Solid
 * ingest p50 12-14 s at 50 posts/s, a pass of 51 notified members queued 16 s). Here a slow or
 * failing read holds only its own member: the others go on in the free slots, and a read that
 * failed for a reason that may pass is tried again after a pause, up to `maxAttempts`.
 *
 * A member is never read twice at once; named again while it is being read, it is read once more
 * after (the notification may be about a write the running read did not see).
 */
export interface MemberReadsOptions {
  /** Reads at once for this pod. */
  atOnce: number;
  /** Attempts per naming before giving up (a later notification or the periodic pass finds it). */
  maxAttempts: number;
  /** Pause before attempt `n + 1` after `n` failed. */
  retryMs: (attempt: number) => number;
  /** Whether a failed read is worth another attempt (a timeout, a 503), as opposed to giving up at once. */
  retryable: (err: unknown) => boolean;
  /** A read given up on, with its last error. */
  onGiveUp: (url: string, err: unknown) => void;
}

interface Named<F> {
  folder: F;
  done: Array<() => void>;
}

export class MemberReads<F> {
  private readonly pending = new Map<string, Named<F>>();
  /** URL being read → what named it again meanwhile. */
  private readonly running = new Map<string, Named<F> | undefined>();

  constructor(
    private readonly read: (url: string, folder: F) => Promise<void>,
    private readonly o: MemberReadsOptions,
  ) {}

  /** Resolves once `url` has been read after this call, or given up on (never rejects). */
  add(url: string, folder: F): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.running.has(url)) {
        const again = this.running.get(url) ?? { folder, done: [] };
        again.folder = folder;
        again.done.push(resolve);
        this.running.set(url, again);
        return;
      }
      const waiting = this.pending.get(url);
      if (waiting) {
        waiting.folder = folder;
        waiting.done.push(resolve);
      } else this.pending.set(url, { folder, done: [resolve] });
      this.pump();
    });
  }

  /** Nothing waiting and nothing being read. */
  idle(): boolean {
    return this.pending.size === 0 && this.running.size === 0;
  }

  private pump(): void {
    for (const [url, named] of this.pending) {
      if (this.running.size >= this.o.atOnce) return;
      if (this.running.has(url)) continue;
      this.pending.delete(url);
      void this.start(url, named);
    }
  }

  private async start(url: string, named: Named<F>): Promise<void> {
    this.running.set(url, undefined);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.read(url, named.folder);
        break;
      } catch (err) {
        if (attempt >= this.o.maxAttempts || !this.o.retryable(err)) {
          this.o.onGiveUp(url, err);
          break;
        }
        // The slot stays taken while it waits: a pod server that times out is not asked harder.
        await new Promise((r) => setTimeout(r, this.o.retryMs(attempt)));
      }
    }
    const again = this.running.get(url);
    this.running.delete(url);
    for (const done of named.done) done();
    if (again) {
      const waiting = this.pending.get(url);
      if (waiting) waiting.done.push(...again.done);
      else this.pending.set(url, again);
    }
    this.pump();
  }
}
