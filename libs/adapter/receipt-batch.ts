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

  /** `maxDelayMs`: how long a receipt may wait for company (a large batch would hold it up to its end). */
  constructor(
    private readonly bus: Bus,
    private readonly maxDelayMs = 200,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(receipt: Receipt): void {
    if (!this.pending.length) this.oldestAt = Date.now();
    // Keyed by object: receipts about one object stay in order for the translator.
    this.pending.push({ key: receipt.objectKey, value: JSON.stringify(receipt), headers: { 'x-command-id': receipt.commandId } });
  }

  /** Flushes when the oldest receipt has waited `maxDelayMs`. */
  async flushIfDue(): Promise<void> {
    if (this.pending.length && Date.now() - this.oldestAt >= this.maxDelayMs) await this.flush();
  }

  /** Publishes what was added so far; lanes may call it side by side (each takes its own share). */
  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const out = this.pending;
    this.pending = [];
    try {
      await this.bus.publish(TOPICS.receipts, out);
    } catch (err) {
      this.pending.unshift(...out); // a later flush may still get them out; the replay does anyway
      throw err;
    }
  }
}
