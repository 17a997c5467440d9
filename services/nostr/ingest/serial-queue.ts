/** Tasks run one at a time, in push order: a relay's events are handled in the order it sent them (the cursor rule needs it). */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pendingCount = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  get size(): number {
    return this.pendingCount;
  }

  push(task: () => Promise<void> | void, after?: () => void): void {
    this.pendingCount++;
    this.tail = this.tail
      .then(task)
      .catch(this.onError)
      .finally(() => {
        this.pendingCount--;
        after?.();
      });
  }

  /** Resolves once everything pushed so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
