import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { createLogger } from '../../../../libs/observability/index.js';
import { DATA_SOURCE } from '../../../../libs/platform/tokens.js';
import { toSample, type DeliveryRow, type StatusSample } from './status-sample.js';
import { TimeSeries } from './time-series.js';

const log = createLogger('status-history');

/** Every 15 s, an hour of it: fine enough to see a burst, small enough to send whole (240 points). */
export const SAMPLE_EVERY_MS = 15_000;
export const SAMPLES_KEPT = 240;

/**
 * The dashboard's charts of events and lag over time, sampled from the database (not from this
 * process's Prometheus counters: a gateway deployed alone sees no translator or adapter counters).
 * Each sample counts only rows changed since the previous one, so its cost does not grow with
 * the history of the bridge.
 */
@Injectable()
export class StatusHistory implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly series = new TimeSeries<StatusSample>(SAMPLES_KEPT);
  private timer: NodeJS.Timeout | undefined;
  private last = new Date();
  private running: Promise<StatusSample> | undefined;

  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sample().catch((err: Error) => log.warn('status sample failed; the next one covers the gap', { err: err.message })), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  samples(): StatusSample[] {
    return this.series.all();
  }

  /** Takes one sample now (also what the timer calls); concurrent calls share one query. */
  sample(): Promise<StatusSample> {
    this.running ??= this.take().finally(() => (this.running = undefined));
    return this.running;
  }

  private async take(): Promise<StatusSample> {
    const since = this.last;
    const [[now], events, rows] = await Promise.all([
      this.ds.query(`SELECT now() AS now`) as Promise<{ now: Date }[]>,
      this.ds.query(`SELECT count(*)::int AS n FROM processed_events WHERE processed_at > $1`, [since]) as Promise<{ n: number }[]>,
      this.ds.query(
        `SELECT target,
                count(*) FILTER (WHERE status = 'delivered' AND updated_at > $1)::int AS delivered,
                count(*) FILTER (WHERE status IN ('failed','gone','dead') AND updated_at > $1)::int AS failed,
                EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE status IN ('queued','failed')))::float AS lag_seconds
           FROM deliveries WHERE updated_at > $1 OR status IN ('queued','failed') GROUP BY target`,
        [since],
      ) as Promise<DeliveryRow[]>,
    ]);
    const at = new Date(now!.now);
    const sample = toSample(at, Math.max(0, Math.round((at.getTime() - since.getTime()) / 1000)), events[0]?.n ?? 0, rows);
    this.last = at;
    this.series.push(sample);
    return sample;
  }
}
