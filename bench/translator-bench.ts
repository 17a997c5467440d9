import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Bus } from '../libs/bus/index.js';
import { eventFixture, NETWORKS, outboundTopic, TOPICS, type BridgeEvent } from '../libs/events/index.js';
import { TranslatorService } from '../services/translator/translator.service.js';

export interface BenchResult {
  events: number;
  eventsPerSecond: number;
  commandsPerSecond: number;
  latency: { rate: number; events: number; p50Ms: number; p99Ms: number; maxMs: number };
}

/** Actors opted in with a bridged identity on every other network, so every post fans out to 3 targets. */
async function seedActors(ds: DataSource, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `https://bench${i % 50}.example/users/u${i}`);
  await ds.query(
    `WITH a AS (INSERT INTO accounts (consent) SELECT 'opted_in' FROM generate_series(1, $1) RETURNING id),
          numbered AS (SELECT id, row_number() OVER () AS n FROM a)
     INSERT INTO identities (account_id, network, native_id, kind)
     SELECT id, 'activitypub', ($2::text[])[n], 'native' FROM numbered`,
    [n, ids],
  );
  await ds.query(
    `INSERT INTO identities (account_id, network, native_id, kind)
     SELECT i.account_id, t.network, t.network || ':' || i.native_id, 'bridged' FROM identities i
     CROSS JOIN unnest(ARRAY['atproto','nostr','solid']) AS t(network) WHERE i.network = 'activitypub'`,
  );
  return ids;
}

function postBy(actor: string, run: string, i: number, sentAt: number): BridgeEvent {
  const e = eventFixture('post.created');
  const id = `${actor}/statuses/${run}-${i}`;
  e.id = `activitypub:${id}`;
  e.actor = { network: 'activitypub', id: actor };
  e.source = { network: 'activitypub', id };
  e.object!.facets = [];
  e.object!.text = `bench ${i}`;
  e.occurredAt = new Date(sentAt).toISOString();
  return e;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Throughput: a backlog of `events` is published first, then one translator drains it; events/s
 * is measured from its first to its last batch. Latency: events published at `rate`/s while the
 * translator runs; latency is from publish to the command's arrival on bridge.outbound.*.
 */
export async function benchTranslator(bus: Bus, ds: DataSource, opts: { events: number; rate: number; seconds: number; partitions: number }): Promise<BenchResult> {
  const run = randomBytes(3).toString('hex');
  const actors = await seedActors(ds, 1000);
  await bus.ensureTopics(TranslatorService.topics(opts.partitions));

  // Phase 1: throughput on a backlog.
  const chunk = 2000;
  for (let i = 0; i < opts.events; i += chunk) {
    const batch = [];
    for (let j = i; j < Math.min(i + chunk, opts.events); j++) {
      const e = postBy(actors[j % actors.length]!, run, j, Date.now());
      batch.push({ key: e.actor.id, value: JSON.stringify(e) });
    }
    await bus.publish(TOPICS.events, batch);
  }
  const translator = new TranslatorService(bus, ds, { partitions: opts.partitions, pendingTimeoutMs: 600_000, sweepIntervalMs: 3_600_000, groupId: `bench-${run}` });
  const started = Date.now();
  await translator.start();
  while (translator.stats.eventsIn < opts.events) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (Date.now() - started) / 1000;
  const throughput = { eventsPerSecond: Math.round(opts.events / elapsed), commandsPerSecond: Math.round(translator.stats.commandsOut / elapsed) };

  // Phase 2: latency at a steady rate.
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const sink = await bus.subscribe({
    groupId: `bench-sink-${run}`,
    topics: NETWORKS.map(outboundTopic),
    fromBeginning: false,
    handleBatch: async (msgs) => {
      const now = Date.now();
      for (const m of msgs) {
        const eventId = m.headers['x-event-id'];
        const t = eventId ? sentAt.get(eventId) : undefined;
        if (t !== undefined) latencies.push(now - t);
      }
    },
  });
  await new Promise((r) => setTimeout(r, 2000)); // let the sink join before the clock starts
  const total = opts.rate * opts.seconds;
  const t0 = Date.now();
  for (let i = 0; i < total; ) {
    const due = Math.floor(((Date.now() - t0) / 1000) * opts.rate);
    const batch = [];
    while (i < Math.min(due, total)) {
      const now = Date.now();
      const e = postBy(actors[i % actors.length]!, `${run}L`, i, now);
      sentAt.set(e.id, now);
      batch.push({ key: e.actor.id, value: JSON.stringify(e) });
      i++;
    }
    if (batch.length) await bus.publish(TOPICS.events, batch);
    await new Promise((r) => setTimeout(r, 5));
  }
  const expected = total * 3;
  const deadline = Date.now() + 60_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await sink.stop();
  await translator.stop();
  latencies.sort((a, b) => a - b);
  if (latencies.length < expected) throw new Error(`only ${latencies.length} of ${expected} commands arrived within 60 s`);
  return {
    events: opts.events,
    ...throughput,
    latency: { rate: opts.rate, events: total, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1] ?? 0 },
  };
}
