/**
 * Where a copy's time goes, from the delivery ledger the services keep anyway: the translator
 * writes a delivery row (`created_at`) in the transaction that decides the event, and the target's
 * adapter updates it (`updated_at`) when the target peer accepted the copy. So per post and target:
 * - ingest: source peer's accept → decided (source adapter, bridge.events.v1, translator), and
 *   split where stamped (ingest-stamps.ts): publish = accept → on bridge.events.v1 (the source
 *   adapter), decide = that → decided (the translator);
 * - deliver: decided → the target peer accepted the copy (bridge.outbound.*, target adapter);
 * - observe: that → the bench saw the copy on the target peer (the peer's own propagation and
 *   the watcher, copy-watchers.ts).
 * Postgres stamps now() at transaction start: a stage is a few ms longer or shorter than the truth.
 */
import type { DataSource } from 'typeorm';
import type { Network } from '../libs/events/index.js';
import { percentile } from './latency-stats.js';

export interface LedgerRow {
  eventId: string;
  target: Network;
  status: string;
  createdAt: number;
  updatedAt: number;
}

export interface StagePost {
  eventId: string;
  source: Network;
  sentAt: number;
  seen: Partial<Record<Network, number>>;
  /** When the event was on bridge.events.v1 (ingest-stamps.ts), when known. */
  publishedAt?: number;
}

export interface StageFigures {
  n: number;
  p50Ms: number;
  p99Ms: number;
}

const figures = (xs: number[]): StageFigures => {
  xs.sort((a, b) => a - b);
  return { n: xs.length, p50Ms: percentile(xs, 50), p99Ms: percentile(xs, 99) };
};

export interface Breakdown {
  /** By source network. */
  ingest: Partial<Record<Network, StageFigures>>;
  /** Ingest split by source network, where stamped: accept → published → decided. */
  publish: Partial<Record<Network, StageFigures>>;
  decide: Partial<Record<Network, StageFigures>>;
  /** By target network (delivered rows only). */
  deliver: Partial<Record<Network, StageFigures>>;
  observe: Partial<Record<Network, StageFigures>>;
  /** Ledger rows of this phase's posts by status (a queued row was not delivered by the end). */
  statuses: Record<string, number>;
}

export function breakdown(posts: readonly StagePost[], rows: readonly LedgerRow[]): Breakdown {
  const byEvent = new Map(posts.map((p) => [p.eventId, p]));
  const ingest: Partial<Record<Network, number[]>> = {};
  const publish: Partial<Record<Network, number[]>> = {};
  const decide: Partial<Record<Network, number[]>> = {};
  const deliver: Partial<Record<Network, number[]>> = {};
  const observe: Partial<Record<Network, number[]>> = {};
  const statuses: Record<string, number> = {};
  const decided = new Set<string>();
  for (const r of rows) {
    const p = byEvent.get(r.eventId);
    if (!p) continue;
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (!decided.has(r.eventId)) {
      decided.add(r.eventId);
      (ingest[p.source] ??= []).push(r.createdAt - p.sentAt);
      if (p.publishedAt !== undefined) {
        (publish[p.source] ??= []).push(p.publishedAt - p.sentAt);
        (decide[p.source] ??= []).push(r.createdAt - p.publishedAt);
      }
    }
    if (r.status !== 'delivered') continue;
    (deliver[r.target] ??= []).push(r.updatedAt - r.createdAt);
    const seen = p.seen[r.target];
    if (seen !== undefined) (observe[r.target] ??= []).push(seen - r.updatedAt);
  }
  const map = (m: Partial<Record<Network, number[]>>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, figures(v)])) as Partial<Record<Network, StageFigures>>;
  return { ingest: map(ingest), publish: map(publish), decide: map(decide), deliver: map(deliver), observe: map(observe), statuses };
}

export async function ledgerRows(ds: DataSource, eventIds: readonly string[]): Promise<LedgerRow[]> {
  const rows: { event_id: string; target: Network; status: string; created_at: Date; updated_at: Date }[] = await ds.query(
    `SELECT event_id, target, status, created_at, updated_at FROM deliveries WHERE event_id = ANY($1)`,
    [eventIds],
  );
  return rows.map((r) => ({ eventId: r.event_id, target: r.target, status: r.status, createdAt: r.created_at.getTime(), updatedAt: r.updated_at.getTime() }));
}
