/**
 * The order in which PGlite's one backend session runs the wire-protocol messages of many sockets.
 *
 * pglite-socket 0.2.17 queues single *messages* and keeps a socket's messages together only while
 * a SQL transaction is open (electric-sql/pglite#1046, PR #977, both open). An extended-protocol
 * query (Parse/Bind/Describe/Execute/Sync, what `pg` sends for every query with parameters) is not
 * in a transaction between its messages, so when one socket's messages arrive in two TCP chunks
 * another socket's Parse/Bind can run in between and replace the session's unnamed statement and
 * portal: the first query then fails ("bind message supplies 1 parameters, but prepared statement
 * requires 2", "portal does not exist") or, worse, silently returns the other query's rows (an
 * existing row read back as missing). Seen in e2e as "no such actor" for an actor stored at boot.
 *
 * This queue gives one socket the session from its first extended-protocol message until its Sync
 * (and, as before, for a whole transaction); other sockets wait. A failing message no longer
 * stalls the queue for good (the original returns with `processing` still set).
 */
import type { PGlite } from '@electric-sql/pglite';

interface Queued {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: Error) => void;
}

/** Frontend messages after which the backend holds per-batch state until a Sync ('S'). */
const IN_BATCH = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** Same surface as pglite-socket's internal QueryQueueManager (what its handlers and server call). */
export class SessionOrderedQueue {
  private queue: Queued[] = [];
  private processing = false;
  /** The socket the session belongs to until its batch or transaction ends. */
  private owner: number | null = null;
  private ownerInBatch = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((q) => (q.handlerId === handlerId ? (q.reject(new Error('Handler disconnected')), false) : true));
  }

  /** A socket that closes while it owns the session: roll back its transaction, end its batch. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(async () => {
      // A batch cut off before its Sync leaves the backend skipping messages until one arrives.
      if (this.ownerInBatch) await this.db.execProtocolRawStream(SYNC, { onRawData: () => undefined });
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    });
    this.owner = null;
    this.ownerInBatch = false;
    await this.process();
  }

  private next(): Queued | undefined {
    if (this.owner === null) return this.queue.shift();
    const i = this.queue.findIndex((q) => q.handlerId === this.owner);
    return i < 0 ? undefined : this.queue.splice(i, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      // Stops when the queue is empty or the owner has nothing queued yet (its next message comes).
      for (let q = this.next(); q; q = this.next()) {
        let bytes = 0;
        try {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(q.message, { onRawData: (d) => ((bytes += d.length), q.onData(d)) }));
        } catch (err) {
          q.reject(err as Error);
          continue;
        }
        this.ownerInBatch = IN_BATCH.has(q.message[0]!);
        this.owner = this.ownerInBatch || this.db.isInTransaction() ? q.handlerId : null;
        q.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}

/** Puts the queue into a PGLiteSocketServer before start() (its handlers take the server's queue). */
export function orderSessionBySocket(server: object, db: PGlite): void {
  const s = server as { queryQueue?: unknown };
  if (!s.queryQueue) throw new Error('pglite-socket changed: PGLiteSocketServer has no queryQueue to replace (see libs/store/pglite-query-queue.ts)');
  s.queryQueue = new SessionOrderedQueue(db);
}
