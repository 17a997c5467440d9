import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Bus } from '../bus/index.js';
import { TOPICS, type BridgeEvent, type Network } from '../events/index.js';
import { createLogger, registry } from '../observability/index.js';
import { backfillRows } from './backfill-jobs.js';
import { backfillRefKey, planBackfill, selectPosts, threadRefs } from './backfill-plan.js';
import type { BackfillSource } from './backfill-source.js';

const log = createLogger('backfill');

const jobsFinished = new Counter({
  name: 'pontis_backfill_jobs_total',
  help: 'Backfill jobs that ended, by network and state (done, failed, retry)',
  labelNames: ['network', 'state'] as const,
  registers: [registry],
});
const itemsPublished = new Counter({
  name: 'pontis_backfill_items_published_total',
  help: 'Backfilled posts and thread roots published to bridge.events.v1',
  labelNames: ['network', 'role'] as const,
  registers: [registry],
});

export interface BackfillRunnerOptions {
  ds: DataSource;
  bus: Bus;
  source: BackfillSource;
  /** How often to look for a job when idle. */
  pollMs?: number;
  /** How long a claimed job is ours without renewal; a crashed owner's job is taken over after it. */
  leaseMs?: number;
  /** Attempts before a job whose home server keeps failing is marked failed. */
  maxAttempts?: number;
  /** Events per bus publish (and per progress write). */
  chunk?: number;
  /** How long to wait for a thread root or parent to be bridged before publishing the replies after it. */
  contextWaitMs?: number;
}

interface Claimed {
  id: string;
  account_id: string;
  native_id: string;
  count: number;
  fetched_at: Date | null;
  attempts: number;
}

class LeaseLost extends Error {}

/**
 * Runs the backfill jobs of one network in that adapter's process, one at a time. A job is claimed
 * under a lease in Postgres, so any replica may run it and the next one resumes it when its owner
 * dies: the plan (what to publish, in order) is stored once fetched, and each chunk is marked
 * published after the bus took it, so a resumed job goes on after the last chunk (a chunk published
 * twice is harmless: same event ids, the translator drops the duplicates).
 */
export class BackfillRunner {
  readonly network: Network;
  private readonly owner = `backfill:${randomUUID()}`;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly chunk: number;
  private readonly contextWaitMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(private readonly o: BackfillRunnerOptions) {
    this.network = o.source.network;
    this.pollMs = o.pollMs ?? 2_000;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.chunk = o.chunk ?? 20;
    this.contextWaitMs = o.contextWaitMs ?? 60_000;
  }

  /** Starts polling; a job left running by a process that died is resumed once its lease ends. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Claims and runs one job; false when there was none. */
  async runOnce(): Promise<boolean> {
    const job = await this.claim();
    if (!job) return false;
    await this.run(job);
    return true;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((ran) => this.schedule(ran ? 0 : this.pollMs))
        .catch((err: unknown) => {
          // The database is down: try again later; the job (if any) keeps its lease until it ends.
          log.warn('backfill poll failed', { network: this.network, err: String(err) });
          this.schedule(this.pollMs * 5);
        });
    }, ms);
    this.timer.unref?.();
  }

  private async claim(): Promise<Claimed | undefined> {
    const rows = backfillRows<Claimed>(
      await this.o.ds.query(
        `UPDATE backfill_jobs SET state = 'running', lease_owner = $1, lease_until = now() + $3 * interval '1 millisecond',
                started_at = COALESCE(started_at, now()), attempts = attempts + 1
          WHERE id = (SELECT id FROM backfill_jobs
                       WHERE network = $2 AND state IN ('queued','running') AND (lease_until IS NULL OR lease_until < now())
                       ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
          RETURNING id, account_id, native_id, count, fetched_at, attempts`,
        [this.owner, this.network, this.leaseMs],
      ),
    );
    return rows[0];
  }

  private async run(job: Claimed): Promise<void> {
    const started = Date.now();
    try {
      if (!job.fetched_at) await this.fetchPlan(job);
      const published = await this.publish(job);
      await this.finish(job, 'done', null);
      jobsFinished.inc({ network: this.network, state: 'done' });
      log.info('backfill done', { jobId: job.id, network: this.network, published, ms: Date.now() - started });
    } catch (err) {
      if (err instanceof LeaseLost) {
        log.warn('backfill lease lost; another process has the job', { jobId: job.id, network: this.network });
        return;
      }
      const reason = (err as Error).message ?? String(err);
      if (job.attempts >= this.maxAttempts) {
        await this.finish(job, 'failed', reason);
        jobsFinished.inc({ network: this.network, state: 'failed' });
        log.warn('backfill failed', { jobId: job.id, network: this.network, attempts: job.attempts, err: reason });
      } else {
        // Back in the queue, not before a growing wait: a home server that is down is not hammered.
        const waitMs = Math.min(300_000, 5_000 * 2 ** (job.attempts - 1));
        await this.o.ds.query(
          `UPDATE backfill_jobs SET state = 'queued', error = $3, lease_owner = NULL, lease_until = now() + $4 * interval '1 millisecond' WHERE id = $1 AND lease_owner = $2`,
          [job.id, this.owner, reason, waitMs],
        );
        jobsFinished.inc({ network: this.network, state: 'retry' });
        log.warn('backfill attempt failed; will retry', { jobId: job.id, network: this.network, attempts: job.attempts, waitMs, err: reason });
      }
    }
  }

  /** The person's newest posts and what their replies point at, stored as the plan in one transaction. */
  private async fetchPlan(job: Claimed): Promise<void> {
    const posts = selectPosts(await this.o.source.latestPosts(job.native_id, job.count), job.count, job.native_id);
    const fetched = new Map<string, BridgeEvent>();
    for (const ref of threadRefs(posts)) {
      await this.renew(job);
      // A root on another network is not ours to fetch; the translator decides about it when it comes.
      if (ref.network !== this.network) continue;
      const event = await this.o.source.post(ref).catch((err: unknown) => {
        log.warn('thread post not fetched', { jobId: job.id, ref: ref.id, err: String(err) });
        return undefined;
      });
      // Only the post asked for (a server answering with another is not trusted for it).
      if (event?.type === 'post.created' && backfillRefKey(event.source) === backfillRefKey(ref)) fetched.set(backfillRefKey(ref), event);
    }
    const plan = planBackfill(posts, fetched);
    await this.o.ds.transaction(async (m) => {
      const mine = backfillRows(await m.query(`UPDATE backfill_jobs SET fetched_at = now(), error = NULL WHERE id = $1 AND lease_owner = $2 RETURNING id`, [job.id, this.owner]));
      if (!mine.length) throw new LeaseLost();
      await m.query(`DELETE FROM backfill_items WHERE job_id = $1`, [job.id]);
      for (let i = 0; i < plan.length; i += 100) {
        const part = plan.slice(i, i + 100);
        await m.query(
          `INSERT INTO backfill_items (job_id, seq, role, event_id, event)
           SELECT $1, x.seq, x.role, x.event_id, x.event FROM jsonb_to_recordset($2::jsonb) AS x(seq int, role text, event_id text, event jsonb)`,
          [job.id, JSON.stringify(part.map((p, k) => ({ seq: i + k, role: p.role, event_id: p.event.id, event: p.event })))],
        );
      }
    });
    log.info('backfill planned', { jobId: job.id, network: this.network, posts: posts.length, threadPosts: plan.length - posts.length });
  }

  private async publish(job: Claimed): Promise<number> {
    const items: { seq: number; role: string; event: BridgeEvent }[] = await this.o.ds.query(
      `SELECT seq, role, event FROM backfill_items WHERE job_id = $1 AND published_at IS NULL ORDER BY seq`,
      [job.id],
    );
    let part: typeof items = [];
    const flush = async (): Promise<string[]> => {
      if (!part.length) return [];
      await this.renew(job);
      // Keyed by author like live ingest: one person's posts stay in order on one partition.
      await this.o.bus.publish(TOPICS.events, part.map((it) => ({ key: it.event.actor.id, value: JSON.stringify(it.event), headers: { 'x-pontis-backfill': job.id } })));
      await this.o.ds.query(`UPDATE backfill_items SET published_at = now() WHERE job_id = $1 AND seq = ANY($2::int[])`, [job.id, part.map((p) => p.seq)]);
      for (const p of part) itemsPublished.inc({ network: this.network, role: p.role });
      const ids = part.map((p) => p.event.id);
      part = [];
      return ids;
    };
    for (const item of items) {
      // A thread root or parent is someone else's post, on another partition than the person's: the
      // posts before it settle first, and it settles before the posts after it, so nothing overtakes
      // (the translator's hold keeps a thread right either way; the wait keeps the order too, bounded
      // so one slow network cannot stall the job).
      if (item.role !== 'post') {
        await this.settled(job, await flush());
        part.push(item);
        await this.settled(job, await flush());
        continue;
      }
      part.push(item);
      if (part.length >= this.chunk) await flush();
    }
    await flush();
    return items.length;
  }

  /**
   * Until the translator decided the events and took the receipt of every copy delivered so far
   * (object_map): a reply after them is then translated at once where the copies exist, and held by
   * the translator where a delivery is still on its way (a network that is down does not stall the
   * job: its copies keep their order through the hold). At most `contextWaitMs`.
   */
  private async settled(job: Claimed, eventIds: string[]): Promise<void> {
    if (!eventIds.length) return;
    const deadline = Date.now() + this.contextWaitMs;
    while (Date.now() < deadline) {
      const [row]: { done: boolean }[] = await this.o.ds.query(
        `SELECT (SELECT count(*) FROM processed_events WHERE event_id = ANY($1::text[])) = cardinality($1::text[])
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = ANY($1::text[]) AND d.status = 'delivered' AND d.object_key IS NOT NULL
                              AND NOT EXISTS (SELECT 1 FROM object_map m WHERE m.object_key = d.object_key AND m.network = d.target)) AS done`,
        [eventIds],
      );
      if (row?.done) return;
      await this.renew(job);
      await new Promise((r) => setTimeout(r, 250));
    }
    log.warn('backfilled posts not settled in time; going on (the translator holds replies for what they need)', { jobId: job.id, eventId: eventIds[0], waitedMs: this.contextWaitMs });
  }

  private async renew(job: Claimed): Promise<void> {
    const rows = backfillRows(
      await this.o.ds.query(`UPDATE backfill_jobs SET lease_until = now() + $3 * interval '1 millisecond' WHERE id = $1 AND lease_owner = $2 RETURNING id`, [job.id, this.owner, this.leaseMs]),
    );
    if (!rows.length) throw new LeaseLost();
  }

  private async finish(job: Claimed, state: 'done' | 'failed', error: string | null): Promise<void> {
    await this.o.ds.query(
      `UPDATE backfill_jobs SET state = $3, error = $4, finished_at = now(), lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`,
      [job.id, this.owner, state, error],
    );
  }
}
