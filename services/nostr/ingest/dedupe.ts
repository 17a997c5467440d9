import { Lru } from '../../../libs/collections/lru.js';

/**
 * Recently seen event ids, bounded (least recently used evicted). The same event reaches us from
 * every relay that has it; handling it once saves verification, mapping and a bus round trip.
 *
 * This is about LOAD, not correctness: BridgeEvent ids are deterministic (`nostr:<event id>`) and
 * the translator drops ids it has decided (processed_events), so a duplicate that slips through
 * (evicted, or seen before a restart) is harmless. Only VERIFIED ids may enter: a forged copy
 * carrying a genuine id must never shadow the genuine event.
 */
export class RecentIds<V = true> extends Lru<V> {
  /** Adds (or refreshes) an id; returns false when it was already there. */
  override add(id: string, value: V = true as V): boolean {
    return super.add(id, value);
  }
}
