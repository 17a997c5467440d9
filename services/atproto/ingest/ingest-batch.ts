import type { DataSource } from 'typeorm';
import { sleep } from '../../../libs/bus/backoff.js';
import type { Bus, OutgoingMessage } from '../../../libs/bus/index.js';
import type { Logger } from '../../../libs/observability/index.js';
import type { KeptRecord } from '../mapping/index.js';
import { lookupPending, RecordWrites, type RecordKey } from './record-writes.js';

export interface IngestBatchOptions {
  bus: Bus;
  ds: DataSource;
  topic: string;
  log: Logger;
  /** Graceful stop: a batch is tried once more, not retried. */
  stopping: () => boolean;
  /** Crash (kill): nothing more is written. */
  killed: () => boolean;
  /** A batch was given up: its events were not taken, so the cursor must not pass them. */
  onCutShort: () => void;
  /** Messages the bus took (metrics). */
  onPublished?: (count: number) => void;
  /** A write failed and will be tried again (health). */
  onRetry?: (err: Error) => void;
  /** Messages per bus publish, at most (a flush with more sends several, in order). */
  maxMessages?: number;
}

interface Pending {
  messages: OutgoingMessage[];
  records: RecordWrites;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Group commit for the firehose ingest. Handlers hand over their bus messages and kept records
 * and go on (the next event of the repo is verified meanwhile); whatever arrived while a batch was
 * being written becomes the next batch: one bus publish and one `atproto_records` statement each,
 * in arrival order, so a repo's events stay in order on the bus. `settled()` resolves once
 * everything handed over before the call is on the bus and in the table: the cursor runner waits
 * on it before it counts an event finished, so the cursor never passes an event the bus lacks.
 */
export class IngestBatch {
  private open?: Pending;
  private writing?: Pending;
  private running = false;
  private scheduled = false;
  private readonly maxMessages: number;

  constructor(private readonly o: IngestBatchOptions) {
    this.maxMessages = Math.max(1, o.maxMessages ?? 500);
  }

  publish(messages: OutgoingMessage[]): void {
    this.current().messages.push(...messages);
  }

  keep(key: RecordKey, cid: string | null, subject: string | null): void {
    this.current().records.upsert(key, cid, subject);
  }

  forget(key: RecordKey): void {
    this.current().records.delete(key);
  }

  /** Everything handed over so far is on the bus and in the table (rejects when it was given up). */
  settled(): Promise<void> {
    return (this.open ?? this.writing)?.done ?? Promise.resolve();
  }

  /** A delete needs what was kept of its record, which may still be waiting here. */
  async kept(key: RecordKey): Promise<KeptRecord | undefined> {
    const pending = this.pending(key);
    if (pending && !pending.askTable) return pending.gone ? undefined : shape(pending.cid, pending.subject ?? null);
    const rows: { cid: string | null; subject: string | null }[] = await this.o.ds.query(
      `SELECT cid, subject FROM atproto_records WHERE did = $1 AND collection = $2 AND rkey = $3`,
      [key.did, key.collection, key.rkey],
    );
    const row = rows[0];
    // A write handed over while the query ran is newer than the row.
    const now = this.pending(key);
    if (now && !now.askTable) return now.gone ? undefined : shape(now.cid, now.subject ?? null);
    if (now && !now.gone) return shape(now.cid, row?.subject ?? null);
    return row ? shape(row.cid, row.subject) : undefined;
  }

  private pending(key: RecordKey) {
    return lookupPending([this.open?.records, this.writing?.records], key);
  }

  private current(): Pending {
    if (!this.open) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      // Nobody may be waiting on a batch given up at stop: not an unhandled rejection.
      done.catch(() => undefined);
      this.open = { messages: [], records: new RecordWrites(), done, resolve, reject };
    }
    this.schedule();
    return this.open;
  }

  /** Collects what the handlers of this turn hand over, then writes. */
  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.open) {
        const batch = this.open;
        this.open = undefined;
        this.writing = batch;
        try {
          await this.write(batch);
          batch.resolve();
        } catch (err) {
          batch.reject(err as Error);
        } finally {
          this.writing = undefined;
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async write(batch: Pending): Promise<void> {
    for (let i = 0; i < batch.messages.length; i += this.maxMessages) {
      const slice = batch.messages.slice(i, i + this.maxMessages);
      await this.retry('publishing firehose events', () => this.o.bus.publish(this.o.topic, slice));
      this.o.onPublished?.(slice.length);
    }
    if (batch.records.size) {
      await this.retry('keeping firehose records', () =>
        this.writeRecords(batch.records).catch((err: unknown) => (isDataError(err) ? this.writeOneByOne(batch.records) : Promise.reject(err))));
    }
  }

  /** A row the table refuses (a data error, not an outage) is logged and left out; the others are kept. */
  private async writeOneByOne(records: RecordWrites): Promise<void> {
    for (const one of records.split()) {
      try {
        await this.writeRecords(one);
      } catch (err) {
        if (!isDataError(err)) throw err;
        this.o.log.error('firehose record not kept: the table refused it', { err: (err as Error).message });
      }
    }
  }

  /** One statement when the batch only adds or only removes, else both in one transaction. */
  private async writeRecords(records: RecordWrites): Promise<void> {
    const { deletes, upserts } = records.columns();
    const del = `DELETE FROM atproto_records r USING unnest($1::text[], $2::text[], $3::text[]) AS d(did, collection, rkey)
                  WHERE r.did = d.did AND r.collection = d.collection AND r.rkey = d.rkey`;
    const ins = `INSERT INTO atproto_records (did, collection, rkey, cid, subject)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                 ON CONFLICT (did, collection, rkey) DO UPDATE SET cid = EXCLUDED.cid, subject = COALESCE(EXCLUDED.subject, atproto_records.subject)`;
    if (!deletes[0].length) return void (await this.o.ds.query(ins, upserts));
    if (!upserts[0].length) return void (await this.o.ds.query(del, deletes));
    await this.o.ds.transaction(async (m) => {
      await m.query(del, deletes);
      await m.query(ins, upserts);
    });
  }

  /** Until it works: the cursor waits meanwhile, so nothing is lost; a stop gives the batch up. */
  private async retry(what: string, attempt: () => Promise<void>): Promise<void> {
    for (let n = 0; ; n++) {
      if (this.o.killed() || (n > 0 && this.o.stopping())) {
        this.o.onCutShort();
        throw new Error(`stopping: ${what} given up; the events will be read again from the cursor`);
      }
      try {
        await attempt();
        return;
      } catch (err) {
        this.o.log.warn(`${what} failed; retrying`, { attempt: n, err: (err as Error).message });
        this.o.onRetry?.(new Error(`${what}: ${(err as Error).message}`));
        await sleep(Math.min(30_000, 200 * 2 ** n));
      }
    }
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity): the row, not the database, is at fault. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ?? (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

function shape(cid: string | null, subject: string | null): KeptRecord {
  return { ...(cid ? { cid } : {}), ...(subject ? { subject } : {}) };
}
