/**
 * The cursor rule for one relay, pure (no timers, no I/O). The relay's cursor is the newest
 * `created_at` whose event, AND every event the relay sent before it, has been published.
 *
 * - Events are observed only after their BridgeEvents are on the bus, in the order the relay sent them.
 * - Stored events come back newest first (NIP-01 relays sort by created_at descending), so during a
 *   backfill the newest is seen first: nothing moves until every REQ that gates the cursor said EOSE.
 *   A restart in the middle of a backfill starts the same backfill again instead of skipping its tail.
 * - After EOSE, events arrive live, in order: each one may move the cursor.
 * - A created_at in the future is clamped to now + skew, so a forged date cannot make us skip.
 * On restart `since` = cursor - overlap (clock skew, late stores); what comes again is deduped.
 */
import { MAX_FUTURE_SKEW_SECONDS } from './constants.js';

export class RelayCursor {
  private generation = 0;
  private waiting = new Set<string>();
  private backfillMax: number | undefined;
  private best: number | undefined;

  /** `committed`: the stored value (null on a first start). */
  constructor(private committed: number | undefined) {
    this.best = committed;
  }

  /** The newest position known safe (persisted or about to be). */
  get position(): number | undefined {
    return this.best;
  }

  get live(): boolean {
    return this.waiting.size === 0;
  }

  /** A new set of REQs went out (connect, reconnect, new watch list): back to backfill. */
  begin(generation: number, gatingKeys: readonly string[]): void {
    this.generation = generation;
    this.waiting = new Set(gatingKeys);
    this.backfillMax = undefined;
  }

  eose(key: string, generation: number): void {
    if (generation !== this.generation || !this.waiting.delete(key)) return;
    if (this.waiting.size === 0 && this.backfillMax !== undefined) this.advance(this.backfillMax);
  }

  /** An event (already published) with this created_at. */
  observe(createdAt: number, nowSeconds: number): void {
    const t = Math.min(createdAt, nowSeconds + MAX_FUTURE_SKEW_SECONDS);
    if (this.live) this.advance(t);
    else this.backfillMax = Math.max(this.backfillMax ?? t, t);
  }

  private advance(t: number): void {
    if (this.best === undefined || t > this.best) this.best = t;
  }

  /** The value to persist, if it moved since the last markStored(). */
  pending(): number | undefined {
    return this.best === undefined || this.best === this.committed ? undefined : this.best;
  }

  /** `value` is in the cursors table now. */
  markStored(value: number): void {
    this.committed = value;
  }

  /** `since` for the next REQ. With no cursor yet: now - overlap (we bridge from when we start watching). */
  since(overlapSeconds: number, nowSeconds: number): number {
    return Math.max(0, (this.best ?? nowSeconds) - overlapSeconds);
  }
}
