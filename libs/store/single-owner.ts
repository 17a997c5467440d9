import pg from 'pg';
import { createLogger } from '../observability/index.js';

const log = createLogger('single-owner');

/** Stops the work a SingleOwner started. */
export type StopWork = () => Promise<void>;

export interface SingleOwnerOptions {
  /** The PostgreSQL every replica shares (the service's DATABASE_URL). */
  url: string;
  /** What is owned, e.g. `atproto:firehose` or `nostr:relay-subscriptions`. One owner per name and schema. */
  name: string;
  /** The deployment's schema: two deployments sharing a database own their work separately. */
  schema?: string;
  /** Starts the work once this replica owns it; resolves to the function that stops it. */
  run: () => Promise<StopWork>;
  /** How often a standby replica asks for ownership (default 5 s). */
  retryMs?: number;
  /** How often the owner checks its lock session is alive (default 5 s); also bounds the check query. */
  checkMs?: number;
}

export interface SingleOwnerHealth {
  ok: boolean;
  detail: string;
}

/**
 * Runs a piece of work on exactly one replica at a time: the one holding a session-level
 * PostgreSQL advisory lock (`pg_try_advisory_lock`) on a connection of its own. For work that
 * Kafka partitions cannot split: one firehose subscription, one set of relay subscriptions, one
 * renewal loop for webhook registrations.
 *
 * Why this is safe enough: the lock belongs to the session, so PostgreSQL frees it the moment the
 * owner's process or connection dies, and a standby takes over within `retryMs`. The one gap is
 * an owner cut off from the database that has not noticed yet: it stops at its next failed check,
 * so two owners can overlap for at most about `checkMs` plus the check's own timeout. Work run
 * this way must tolerate that (Pontis ingest does: event ids are deterministic, the translator
 * drops ids it has seen, cursors only move past what was published).
 *
 * Not for the embedded mode's PGlite: it serves every connection from one session, where the lock
 * is re-entrant, and there is only one process to begin with.
 */
export class SingleOwner {
  private client: pg.Client | undefined;
  private stopWork: StopWork | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private state: 'stopped' | 'connecting' | 'standby' | 'owner' = 'stopped';
  private lastError: string | undefined;
  private cycle: Promise<void> = Promise.resolve();
  private readonly key: string;

  constructor(private readonly opts: SingleOwnerOptions) {
    this.key = `pontis.single-owner:${opts.schema ?? 'public'}:${opts.name}`;
  }

  get isOwner(): boolean {
    return this.state === 'owner';
  }

  /** Starts competing for ownership; never throws (failures are retried and shown in health()). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.state = 'connecting';
    this.schedule(0);
  }

  /** Stops the work if this replica owns it, gives the lock back and closes the connection. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.cycle;
    await this.release(true);
    this.state = 'stopped';
  }

  health(): SingleOwnerHealth {
    if (this.state === 'owner') return { ok: true, detail: `owner of ${this.opts.name}` };
    if (this.state === 'standby') return { ok: true, detail: `standby for ${this.opts.name}` };
    if (this.state === 'stopped') return { ok: false, detail: 'stopped' };
    return { ok: !this.lastError, detail: this.lastError ? `cannot reach the lock: ${this.lastError}` : 'connecting' };
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.cycle = this.tick().finally(() => this.schedule(this.state === 'owner' ? (this.opts.checkMs ?? 5_000) : (this.opts.retryMs ?? 5_000)));
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (this.state === 'owner') await this.check();
      else await this.tryAcquire();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = errorText(err);
      if (this.state === 'owner') log.warn('lost the lock session; stopping the work', { name: this.opts.name, err: this.lastError });
      else log.warn('cannot ask for ownership; will retry', { name: this.opts.name, err: this.lastError });
      await this.release(false);
    }
  }

  private async tryAcquire(): Promise<void> {
    if (!this.client) {
      this.state = 'connecting';
      const client = new pg.Client({ connectionString: this.opts.url, keepAlive: true, connectionTimeoutMillis: 10_000, application_name: `pontis-owner:${this.opts.name}` });
      // A dead connection must not crash the process: the next check notices and gives up the work.
      client.on('error', (err) => (this.lastError = errorText(err)));
      await client.connect();
      this.client = client;
      this.state = 'standby';
    }
    const [row] = (await this.query('SELECT pg_try_advisory_lock(hashtext($1)) AS won', [this.key])).rows as Array<{ won: boolean }>;
    if (!row?.won || !this.running) {
      if (row?.won) await this.query('SELECT pg_advisory_unlock(hashtext($1))', [this.key]);
      return;
    }
    this.state = 'owner';
    log.info('owner: starting the work', { name: this.opts.name });
    try {
      this.stopWork = await this.opts.run();
    } catch (err) {
      log.error('the owned work failed to start; giving ownership back', { name: this.opts.name, err: (err as Error).message });
      this.state = 'standby';
      await this.query('SELECT pg_advisory_unlock(hashtext($1))', [this.key]).catch(() => undefined);
    }
  }

  private async check(): Promise<void> {
    await this.query('SELECT 1');
  }

  /** A query on the lock session, bounded by checkMs so a silent network cannot hold us forever. */
  private async query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    if (!this.client) throw new Error('not connected');
    return this.bounded(this.client.query(text, values));
  }

  private async bounded<T>(work: Promise<T>): Promise<T> {
    const limit = this.opts.checkMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the work first, then frees the lock (politely when the session still answers). */
  private async release(polite: boolean): Promise<void> {
    const stop = this.stopWork;
    this.stopWork = undefined;
    if (stop) {
      await stop().catch((err: Error) => log.error('stopping the owned work failed', { name: this.opts.name, err: err.message }));
      log.info('stopped the work', { name: this.opts.name });
    }
    const client = this.client;
    this.client = undefined;
    if (this.state !== 'stopped') this.state = 'connecting';
    if (!client) return;
    if (polite) await this.bounded(client.query('SELECT pg_advisory_unlock_all()')).catch(() => undefined);
    // Ending the session frees the lock in any case; a dead socket must not hold us up.
    await this.bounded(client.end()).catch(() => undefined);
  }
}

/** Connection refusals arrive as an AggregateError with an empty message; say what happened anyway. */
function errorText(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: Array<{ message?: string }> };
  return e.message || e.errors?.map((x) => x.message).join('; ') || e.code || String(err);
}
