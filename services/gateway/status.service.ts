import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../libs/bus/index.js';
import { NETWORKS, outboundTopic, TOPICS, type Network } from '../../libs/events/index.js';
import { BUS, DATA_SOURCE, HealthRegistry } from '../../libs/platform/index.js';

export interface NetworkStatus {
  /** The admin's switch (settings table). */
  enabled: boolean;
  /** Whether an adapter for it answers in this deployment, and what it says. */
  adapter: { running: boolean; detail: string };
  /** The adapter answers its health check (same as adapter.running; what a dashboard shows as a light). */
  connected: boolean;
  /** Commands waiting in bridge.outbound.<network>.v1 for its adapter. */
  outboundBacklog: number | null;
  /** Age of the oldest command not yet delivered (queued or waiting for a retry), in seconds; 0 when none. */
  lagSeconds: number;
  /** Failed, gone and dead over all deliveries settled or retried in the last hour; null with no traffic. */
  errorRate: number | null;
  /**
   * When its adapter last reported a delivery: the sign of life a gateway running apart from the
   * adapters (one Deployment each) can see, where `connected` only knows this process.
   */
  lastDeliveredAt: string | null;
  deliveries: Record<string, number>;
}

export interface BridgeStatus {
  generatedAt: string;
  networks: Record<Network, NetworkStatus>;
  accounts: { total: number; optedIn: number; identities: { native: number; bridged: number } };
  events: { in: number; bridged: number; dropped: number; invalid: number; held: number };
  /** The oldest events waiting for what they point at, with what they wait for. */
  held: { eventId: string; target: string; reason: string; since: string; deadline: string }[];
  commandsOut: number;
  consumerLag: { translator: number | null };
  deadLetters: { total: number; recent: { id: string; source: string; reason: string; eventId: string | null; createdAt: string }[] };
}

const ADAPTER_GROUP = (n: Network) => `pontis-adapter-${n}`;

/** Reads the bridge's state from the database and the bus; nothing here writes. */
@Injectable()
export class StatusService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(BUS) private readonly bus: Bus,
    private readonly health: HealthRegistry,
  ) {}

  async status(): Promise<BridgeStatus> {
    const [settings, accounts, identities, outcomes, held, deliveries, dlqTotal, dlqRecent, health, lag, oldestHeld, recent] = await Promise.all([
      this.ds.query(`SELECT value FROM settings WHERE key = 'networks'`) as Promise<{ value: Record<string, boolean> }[]>,
      this.ds.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE consent = 'opted_in')::int AS opted_in FROM accounts`) as Promise<{ total: number; opted_in: number }[]>,
      this.ds.query(`SELECT kind, count(*)::int AS n FROM identities GROUP BY kind`) as Promise<{ kind: string; n: number }[]>,
      this.ds.query(`SELECT outcome, count(*)::int AS n FROM processed_events GROUP BY outcome`) as Promise<{ outcome: string; n: number }[]>,
      this.ds.query(`SELECT count(*)::int AS n FROM pending_events`) as Promise<{ n: number }[]>,
      this.ds.query(`SELECT target, status, count(*)::int AS n FROM deliveries GROUP BY target, status`) as Promise<{ target: Network; status: string; n: number }[]>,
      this.ds.query(`SELECT count(*)::int AS n FROM dead_letters`) as Promise<{ n: number }[]>,
      this.ds.query(`SELECT id::text, source, reason, event_id, created_at FROM dead_letters ORDER BY dead_letters.id DESC LIMIT 10`) as Promise<
        { id: string; source: string; reason: string; event_id: string | null; created_at: Date }[]
      >,
      this.health.run(),
      this.safeLag('pontis-translator', [TOPICS.events]),
      this.ds.query(`SELECT event_id, target, reason, created_at, deadline FROM pending_events ORDER BY id LIMIT 10`) as Promise<
        { event_id: string; target: string; reason: string; created_at: Date; deadline: Date }[]
      >,
      this.ds.query(
        `SELECT target,
                count(*) FILTER (WHERE updated_at > now() - interval '1 hour')::int AS hour,
                count(*) FILTER (WHERE updated_at > now() - interval '1 hour' AND status IN ('failed','gone','dead'))::int AS hour_failed,
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE status IN ('queued','failed'))), 0)::float AS lag_seconds,
                max(updated_at) FILTER (WHERE status = 'delivered') AS last_delivered
           FROM deliveries GROUP BY target`,
      ) as Promise<{ target: Network; hour: number; hour_failed: number; lag_seconds: number; last_delivered: Date | null }[]>,
    ]);
    const enabled = settings[0]?.value ?? {};
    const count = (rows: { n: number }[], pick: (r: never) => boolean) => rows.filter(pick as (r: unknown) => boolean).reduce((s, r) => s + r.n, 0);
    const networks = {} as Record<Network, NetworkStatus>;
    for (const n of NETWORKS) {
      const adapter = health.components[`adapter:${n}`];
      const r = recent.find((x) => x.target === n);
      networks[n] = {
        enabled: enabled[n] ?? true,
        adapter: adapter ? { running: adapter.ok, detail: adapter.detail } : { running: false, detail: 'no adapter for this network runs in this deployment yet' },
        connected: adapter?.ok ?? false,
        outboundBacklog: await this.safeLag(ADAPTER_GROUP(n), [outboundTopic(n)]),
        lagSeconds: Math.round(r?.lag_seconds ?? 0),
        errorRate: r && r.hour > 0 ? Math.round((r.hour_failed / r.hour) * 1000) / 1000 : null,
        lastDeliveredAt: r?.last_delivered ? new Date(r.last_delivered).toISOString() : null,
        deliveries: Object.fromEntries(deliveries.filter((d) => d.target === n).map((d) => [d.status, d.n])),
      };
    }
    const outcome = (o: string) => outcomes.find((r) => r.outcome === o)?.n ?? 0;
    return {
      generatedAt: new Date().toISOString(),
      networks,
      accounts: {
        total: accounts[0]?.total ?? 0,
        optedIn: accounts[0]?.opted_in ?? 0,
        identities: { native: identities.find((r) => r.kind === 'native')?.n ?? 0, bridged: identities.find((r) => r.kind === 'bridged')?.n ?? 0 },
      },
      events: { in: outcomes.reduce((s, r) => s + r.n, 0), bridged: outcome('bridged'), dropped: outcome('dropped'), invalid: outcome('invalid'), held: held[0]?.n ?? 0 },
      held: oldestHeld.map((h) => ({ eventId: h.event_id, target: h.target, reason: h.reason, since: new Date(h.created_at).toISOString(), deadline: new Date(h.deadline).toISOString() })),
      commandsOut: count(deliveries, () => true),
      consumerLag: { translator: lag },
      deadLetters: {
        total: dlqTotal[0]?.n ?? 0,
        recent: dlqRecent.map((d) => ({ id: d.id, source: d.source, reason: d.reason, eventId: d.event_id, createdAt: new Date(d.created_at).toISOString() })),
      },
    };
  }

  /** Lag of a group that may not exist yet (no adapter deployed): null rather than an error. */
  private async safeLag(groupId: string, topics: string[]): Promise<number | null> {
    try {
      return await this.bus.lag(groupId, topics);
    } catch {
      return null;
    }
  }
}
