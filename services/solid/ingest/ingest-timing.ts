import { Histogram } from 'prom-client';
import { Lru } from '../../../libs/collections/index.js';
import { registry } from '../../../libs/observability/index.js';

/**
 * Where a notified resource's time goes between the pod server's notification and the event on
 * bridge.events.v1 (docs/BENCHMARKS.md, latency: Solid as a source took 20-30 s):
 * - queued: the notification arrived → its read began (waiting for the pod's running pass);
 * - read: the conditional GET;
 * - publish: the event onto bridge.events.v1.
 */
export const solidIngestSeconds = new Histogram({
  name: 'pontis_solid_ingest_seconds',
  help: 'Solid ingest of a notified resource, by stage (queued, read, publish)',
  labelNames: ['stage'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40],
  registers: [registry],
});

/** When a notification named each resource, until its read (bounded: a lost read costs nothing but a figure). */
export class NotifiedAt {
  private readonly at = new Lru<number>(10_000);

  note(url: string, at: number): void {
    if (!this.at.has(url)) this.at.set(url, at);
  }

  take(url: string): number | undefined {
    const at = this.at.peek(url);
    this.at.delete(url);
    return at;
  }
}

/** One pass's sums, for its one log line. */
export class PassTiming {
  resources = 0;
  notified = 0;
  queuedMaxMs = 0;
  readMs = 0;
  publishMs = 0;

  add(t: { notifiedAt?: number; startedAt: number; readAt: number; publishedAt?: number }): void {
    this.resources++;
    this.readMs += t.readAt - t.startedAt;
    solidIngestSeconds.observe({ stage: 'read' }, (t.readAt - t.startedAt) / 1000);
    if (t.publishedAt !== undefined) {
      this.publishMs += t.publishedAt - t.readAt;
      solidIngestSeconds.observe({ stage: 'publish' }, (t.publishedAt - t.readAt) / 1000);
    }
    if (t.notifiedAt !== undefined) {
      this.notified++;
      this.queuedMaxMs = Math.max(this.queuedMaxMs, t.startedAt - t.notifiedAt);
      solidIngestSeconds.observe({ stage: 'queued' }, (t.startedAt - t.notifiedAt) / 1000);
    }
  }
}
