/**
 * When each source post's event reached bridge.events.v1: the producer's timestamp of the Kafka
 * message, read by a consumer group of the bench's own. Splits the ingest stage
 * (stage-breakdown.ts) into the source adapter's part and the translator's. Within the Solid
 * adapter, the solid service itself reports where the time goes (`pod pass` log lines with
 * `--latency-verbose`, metric `pontis_solid_ingest_seconds`): a notification channel of the
 * bench's own would double the Solid server's work per notification (it reads the whole
 * container for each one) and was refused anyway (the people's outboxes are not public).
 */
import { createBus, NamespacedBus, type Bus } from '../libs/bus/index.js';
import { TOPICS } from '../libs/events/index.js';

export interface IngestStamps {
  /** Event id → when it was published on bridge.events.v1. */
  published: Map<string, number>;
  stop(): Promise<void>;
}

export async function stampIngest(o: { brokers: string[]; prefix: string; run: string }): Promise<IngestStamps> {
  const published = new Map<string, number>();
  const bus: Bus = new NamespacedBus(createBus({ brokers: o.brokers, clientId: `bench-stamps-${o.run}` }), o.prefix);
  await bus.start();
  try {
    const sub = await bus.subscribe({
      groupId: `bench-stamps-${o.run}`,
      topics: [TOPICS.events],
      fromBeginning: true,
      handleBatch: async (messages) => {
        for (const m of messages) {
          const id = (JSON.parse(m.value.toString('utf8')) as { id?: unknown }).id;
          if (typeof id === 'string' && !published.has(id)) published.set(id, m.timestamp);
        }
      },
    });
    return {
      published,
      stop: async () => {
        await sub.stop();
        await bus.stop();
      },
    };
  } catch (err) {
    await bus.stop();
    throw err;
  }
}
