import { randomUUID } from 'node:crypto';
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
