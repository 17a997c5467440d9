import type { Bus, OutgoingMessage } from '../bus/index.js';
import { TOPICS, type Receipt } from '../events/index.js';

/**
 * The receipts of one batch, published together: one producer round trip per batch instead of
 * one per command. Only receipts whose ledger row is already written are added, so a crash before
 * flush() loses nothing: the batch is offered again and the final rows re-publish them.
 */
export class ReceiptBatch {
  private pending: OutgoingMessage[] = [];
  private oldestAt = 0;
  private tail: Promise<void> = Promise.resolve();

  /** `maxDelayMs`: how long a receipt may wait for company (a large batch would hold it up to its end). */
  constructor(
    private readonly bus: Bus,
    private readonly maxDelayMs = 200,
  ) {}

  add(receipt: Receipt): void {
    if (!this.pending.length) this.oldestAt = Date.now();
    // Keyed by object: receipts about one object stay in order for the translator.
    this.pending.push({ key: receipt.objectKey, value: JSON.stringify(receipt), headers: { 'x-command-id': receipt.commandId } });
  }

  /** Flushes when the oldest receipt has waited `maxDelayMs`. */
  async flushIfDue(): Promise<void> {
    if (this.pending.length && Date.now() - this.oldestAt >= this.maxDelayMs) await this.flush();
  }

  /**
   * Publishes what was added so far. Lanes may call it side by side: the publishes still go out
   * one after the other, in the order the receipts were added, so receipts about one object (a
   * post and its delete in one batch) stay in order. After a refused publish nothing more goes
   * out and every later flush fails too: the batch fails, and its replay re-publishes every
   * receipt from the ledger, in order.
   */
  flush(): Promise<void> {
    if (this.pending.length) {
      const out = this.pending;
      this.pending = [];
      this.tail = this.tail.then(() => this.bus.publish(TOPICS.receipts, out));
    }
    return this.tail;
  }
}
