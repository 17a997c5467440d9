/**
 * The write relays (NIP-65, parsed in mapping/nip65.ts) of watched authors, in memory: the newest
 * list per author wins (replaceable, NIP-01 tie: lowest id).
 */
import { writeRelaysOf, type NostrEvent } from '../mapping/index.js';

interface Entry {
  id: string;
  createdAt: number;
  relays: string[];
}

export class RelayDirectory {
  private readonly byAuthor = new Map<string, Entry>();

  /** Takes a verified kind 10002; true when the author's relays changed. Older lists are ignored. */
  update(event: NostrEvent): boolean {
    const old = this.byAuthor.get(event.pubkey);
    if (old && (event.created_at < old.createdAt || (event.created_at === old.createdAt && event.id >= old.id))) return false;
    const relays = writeRelaysOf(event);
    this.byAuthor.set(event.pubkey, { id: event.id, createdAt: event.created_at, relays });
    return !old || old.relays.join(' ') !== relays.join(' ');
  }

  /** Forgets authors no longer watched; true when something was removed. */
  prune(watched: ReadonlySet<string>): boolean {
    let changed = false;
    for (const pk of this.byAuthor.keys()) if (!watched.has(pk)) changed = this.byAuthor.delete(pk) || changed;
    return changed;
  }

  /** At most `max` relays, those named by the most authors first (ties by URL, so the choice is stable). */
  relays(max: number): string[] {
    const count = new Map<string, number>();
    for (const e of this.byAuthor.values()) for (const r of e.relays) count.set(r, (count.get(r) ?? 0) + 1);
    return [...count.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, max)
      .map(([url]) => url);
  }
}
