import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KafkaBus, NamespacedBus } from '../libs/bus/index.js';
import { setLogLevel } from '../libs/observability/index.js';
import { createTestStore } from '../libs/store/testing.js';
import { testEnv } from '../libs/testing/index.js';
import { benchFirehose } from './firehose-bench.js';
import { benchTranslator } from './translator-bench.js';

/**
 * `npm run bench`: prints one JSON line per benchmark (docs/BENCHMARKS.md).
 * - translator: the translator service in its own process, through the real Kafka broker and the
 *   machine's Postgres. --events N (backlog, default 100000), --rate N (events/s for the latency
 *   phase, default 1000), --seconds N (default 15), --partitions N (default 2: one per core here),
 *   --concurrency N (partitions the translator handles at once, default 2).
 * - firehose: the AT Protocol adapter's verified firehose ingest on one thread, replaying a backlog
 *   from the real dev-env PDS: --firehose-commits N (default 5000), --firehose-accounts N (default
 *   20), with none, a tenth and all of the accounts watched, --firehose-runs N times each (default
 *   3: best and median; --firehose-shares 0,0.1,1 to choose); then the DID filter at --filter-dids N
 *   (default 1000000).
 * --only translator|firehose runs one of them.
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '15' },
    partitions: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '2' },
    'firehose-commits': { type: 'string', default: '5000' },
    'firehose-accounts': { type: 'string', default: '20' },
    'firehose-runs': { type: 'string', default: '3' },
    'firehose-shares': { type: 'string', default: '0,0.1,1' },
    'filter-dids': { type: 'string', default: '1000000' },
    only: { type: 'string' },
  },
});
const wanted = (name: string) => !values.only || values.only === name;
setLogLevel('warn');
if (wanted('firehose')) {
  const result = await benchFirehose({
    commits: Number(values['firehose-commits']),
    accounts: Number(values['firehose-accounts']),
    watchedShares: values['firehose-shares']!.split(',').map(Number),
    runs: Number(values['firehose-runs']),
    filterDids: Number(values['filter-dids']),
  });
  process.stdout.write(JSON.stringify({ bench: 'firehose', ...result, node: process.version, at: new Date().toISOString() }) + '\n');
}
if (!wanted('translator')) process.exit(0);
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
