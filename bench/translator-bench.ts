import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import type { Bus } from '../libs/bus/index.js';
import { eventFixture, NETWORKS, outboundTopic, TOPICS, type BridgeEvent } from '../libs/events/index.js';
import { rssBytes } from '../libs/harness/util.js';
import { TranslatorService } from '../services/translator/translator.service.js';

export interface BenchResult {
  events: number;
  eventsPerSecond: number;
  commandsPerSecond: number;
  latency: { rate: number; events: number; p50Ms: number; p99Ms: number; maxMs: number };
  translatorPeakRssMb: number;
}

export interface BenchOptions {
  events: number;
  rate: number;
  seconds: number;
  partitions: number;
  /** Environment for the translator process: where Kafka and Postgres are, the topic prefix. */
  translatorEnv: Record<string, string>;
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

const template = eventFixture('post.created');
function postBy(actor: string, run: string, i: number, sentAt: number): BridgeEvent {
  const id = `${actor}/statuses/${run}-${i}`;
  return {
    ...template,
    id: `activitypub:${id}`,
    actor: { network: 'activitypub', id: actor },
    source: { network: 'activitypub', id },
    object: { ...template.object!, facets: [], text: `bench ${i}` },
    occurredAt: new Date(sentAt).toISOString(),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real translator service, alone in its own process, as it runs in production. */
function startTranslator(env: Record<string, string>): ChildProcess {
  const entry = fileURLToPath(new URL('../services/translator/main.js', import.meta.url));
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return child;
}

/**
 * Throughput: a backlog of `events` is published, then one translator process drains it;
 * events/s is measured from its first command to its last. Latency: events published at
 * `rate`/s while it runs, from publish to each command's arrival on bridge.outbound.*.
 */
export async function benchTranslator(bus: Bus, ds: DataSource, opts: BenchOptions): Promise<BenchResult> {
  const run = randomBytes(3).toString('hex');
  const actors = await seedActors(ds, 1000);
  await bus.ensureTopics(TranslatorService.topics(opts.partitions));

  let commands = 0;
  let first = 0;
  let last = 0;
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const sink = await bus.subscribe({
    groupId: `bench-sink-${run}`,
    topics: NETWORKS.map(outboundTopic),
    handleBatch: async (msgs) => {
      const now = Date.now();
      if (!first) first = now;
      last = now;
      commands += msgs.length;
      for (const m of msgs) {
        const t = sentAt.get(m.headers['x-event-id'] ?? '');
        if (t !== undefined) latencies.push(now - t);
      }
    },
  });

  for (let i = 0; i < opts.events; i += 2000) {
    const batch = [];
    for (let j = i; j < Math.min(i + 2000, opts.events); j++) {
      const e = postBy(actors[j % actors.length]!, run, j, Date.now());
      batch.push({ key: e.actor.id, value: JSON.stringify(e) });
    }
    await bus.publish(TOPICS.events, batch);
  }

  const translator = startTranslator(opts.translatorEnv);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, Math.round((rssBytes(translator.pid) ?? 0) / 1048576))), 250);
  try {
    const backlog = opts.events * 3;
    const deadline = Date.now() + 600_000;
    while (commands < backlog) {
      if (Date.now() > deadline || translator.exitCode !== null) throw new Error(`backlog not drained: ${commands}/${backlog} commands (translator exit ${translator.exitCode})`);
      await sleep(20);
    }
    const seconds = (last - first) / 1000;
    const throughput = { eventsPerSecond: Math.round(opts.events / seconds), commandsPerSecond: Math.round(backlog / seconds) };

    const total = opts.rate * opts.seconds;
    const t0 = Date.now();
    for (let i = 0; i < total; ) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * opts.rate));
      const batch = [];
      while (i < due) {
        const now = Date.now();
        const e = postBy(actors[i % actors.length]!, `${run}L`, i, now);
        sentAt.set(e.id, now);
        batch.push({ key: e.actor.id, value: JSON.stringify(e) });
        i++;
      }
      if (batch.length) await bus.publish(TOPICS.events, batch);
      await sleep(2);
    }
    const expected = total * 3;
    const until = Date.now() + 60_000;
    while (latencies.length < expected && Date.now() < until) await sleep(50);
    if (latencies.length < expected) throw new Error(`only ${latencies.length} of ${expected} commands arrived within 60 s`);
    latencies.sort((a, b) => a - b);
    return {
      events: opts.events,
      ...throughput,
      latency: { rate: opts.rate, events: total, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1] ?? 0 },
      translatorPeakRssMb: peakRss,
    };
  } finally {
    clearInterval(sampler);
    translator.kill('SIGTERM');
    await sink.stop();
  }
}
