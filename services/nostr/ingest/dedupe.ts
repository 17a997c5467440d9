/**
 * Recently seen event ids, bounded (least recently used evicted). The same event reaches us from
 * every relay that has it; handling it once saves verification, mapping and a bus round trip.
 *
 * This is about LOAD, not correctness: BridgeEvent ids are deterministic (`nostr:<event id>`) and
 * the translator drops ids it has decided (processed_events), so a duplicate that slips through
 * (evicted, or seen before a restart) is harmless. Only VERIFIED ids may enter: a forged copy
 * carrying a genuine id must never shadow the genuine event.
 */
export class RecentIds<V = true> {
  private readonly map = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  /** The value, refreshing the entry's recency. */
  get(id: string): V | undefined {
    const v = this.map.get(id);
    if (v !== undefined) {
      this.map.delete(id);
      this.map.set(id, v);
    }
    return v;
  }

  /** Adds (or refreshes) an id; returns false when it was already there. */
  add(id: string, value: V = true as V): boolean {
    const had = this.map.delete(id);
    this.map.set(id, value);
    // A Map iterates in insertion order, so its first key is the least recently used.
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
    return !had;
  }
}
