import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { runBusConformance } from './bus.conformance.js';
import { KafkaBus } from './kafka-bus.js';

// Integration: needs a broker (deploy/kafka/kafka.sh start). KAFKA_BROKERS overrides the local default.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

runBusConformance(
  'kafka',
  async () =>
    new KafkaBus({
      brokers,
      clientId: `conformance-${randomUUID().slice(0, 8)}`,
      logLevel: 'error',
      backoff: { baseMs: 100, maxMs: 1_000, jitter: 0 },
    }),
  { partitions: 3, waitMs: 30_000, testTimeoutMs: 60_000 },
);

// Replicas starting together all create the same topics: every one of them must come up.
test('kafka: several buses ensuring the same new topics at once all succeed', { timeout: 60_000 }, async () => {
  const buses = Array.from({ length: 4 }, (_, i) => new KafkaBus({ brokers, clientId: `race-${i}`, logLevel: 'nothing', backoff: { baseMs: 100, maxMs: 1_000, jitter: 0 } }));
  const topics = Array.from({ length: 6 }, () => ({ topic: `race.${randomUUID().slice(0, 8)}`, partitions: 3 }));
  try {
    await Promise.all(buses.map((b) => b.start()));
    await Promise.all(buses.map((b) => b.ensureTopics(topics)));
    await buses[0]!.publish(topics[5]!.topic, [{ key: 'k', value: 'v' }]);
  } finally {
    await Promise.all(buses.map((b) => b.stop()));
  }
});
