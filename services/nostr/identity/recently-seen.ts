import { Lru } from '../../../libs/collections/lru.js';

/** A bounded set of ids with an expiry: remembers what was used, forgets after `ttlMs` or when full. */
export class RecentlySeen {
  private readonly seen: Lru<number>;

  constructor(
    max: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.seen = new Lru<number>(max);
  }

  /** False when `id` was added within the last `ttlMs`. */
  add(id: string): boolean {
    const t = this.now();
    const at = this.seen.peek(id);
    if (at !== undefined && t - at < this.ttlMs) return false;
    this.seen.set(id, t);
    return true;
  }
}
