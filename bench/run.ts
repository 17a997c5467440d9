import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KafkaBus, NamespacedBus } from '../libs/bus/index.js';
import { setLogLevel } from '../libs/observability/index.js';
import { createTestStore } from '../libs/store/testing.js';
import { testEnv } from '../libs/testing/index.js';
import { benchTranslator } from './translator-bench.js';

/**
 * `npm run bench`: the translator service in its own process, through the real Kafka broker and
 * the machine's Postgres. Prints one JSON line. Options: --events N (backlog, default 100000),
 * --rate N (events/s for the latency phase, default 1000), --seconds N (default 15),
 * --partitions N (default 2: one per core here; see docs/BENCHMARKS.md), --concurrency N
 * (partitions the translator handles at once, default 2).
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '15' },
    partitions: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '2' },
  },
});
setLogLevel('warn');
const store = await createTestStore();
const prefix = `bench${randomBytes(3).toString('hex')}`;
const bus = new NamespacedBus(new KafkaBus({ brokers: testEnv.kafkaBrokers, clientId: 'pontis-bench', logLevel: 'error' }), prefix);
await bus.start();
try {
  const result = await benchTranslator(bus, store.ds, {
    events: Number(values.events),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    partitions: Number(values.partitions),
    translatorEnv: {
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: values.partitions!,
      KAFKA_CONSUMER_CONCURRENCY: values.concurrency!,
      DATABASE_URL: testEnv.databaseUrl,
      DATABASE_SCHEMA: store.schema,
      PONTIS_MASTER_KEY: randomBytes(32).toString('base64'),
    },
  });
  process.stdout.write(JSON.stringify({ bench: 'translator', transport: 'kafka', database: 'postgres', ...result, node: process.version, at: new Date().toISOString() }) + '\n');
} finally {
  await bus.stop();
  await store.drop();
}
process.exit(0);
