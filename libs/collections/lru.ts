/**
 * A bounded map that evicts the least recently used entry (a Map iterates in insertion order, so
 * its first key is the oldest). `onEvict` sees every value that leaves, e.g. to zero a secret.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(
    readonly max: number,
    private readonly onEvict: (value: V) => void = () => undefined,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('cache size must be a positive integer');
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Sets (or refreshes) `key`; false when it was already there. */
  add(key: string, value: V): boolean {
    const had = this.map.has(key);
    this.set(key, value);
    return !had;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** Without refreshing recency. */
  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    const old = this.map.get(key);
    this.map.delete(key);
    if (old !== undefined && old !== value) this.onEvict(old);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const [oldestKey, oldest] = this.map.entries().next().value as [string, V];
      this.map.delete(oldestKey);
      this.onEvict(oldest);
    }
  }

  delete(key: string): void {
    const value = this.map.get(key);
    if (value === undefined) return;
    this.map.delete(key);
    this.onEvict(value);
  }

  clear(): void {
    for (const value of this.map.values()) this.onEvict(value);
    this.map.clear();
  }
}
