/**
 * A fixed-size ring of the newest samples: the dashboard's charts need the last hour or so, and
 * a gateway must not grow without end however long it runs. Pure; one per gateway process
 * (each replica keeps its own, which is fine for a chart: they all read the same database).
 */
export class TimeSeries<T> {
  private readonly items: T[] = [];
  private start = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Oldest first. */
  all(): T[] {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
  }

  get size(): number {
    return this.items.length;
  }
}
