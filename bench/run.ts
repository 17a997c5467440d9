import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DeployedService } from '../deploy/topology.js';
import { KafkaBus, NamespacedBus } from '../libs/bus/index.js';
import { NETWORKS, type Network } from '../libs/events/index.js';
import { setLogLevel } from '../libs/observability/index.js';
import { createTestStore } from '../libs/store/testing.js';
import { testEnv } from '../libs/testing/index.js';
import { benchFirehose } from './firehose-bench.js';
import { benchLatency } from './latency-bench.js';
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
 * - latency + memory: the real peers and Pontis with every service in its own process (Kafka,
 *   Postgres); people linked on each network post at each of --latency-rates (total posts/s over
 *   the source networks, default 50,200,1000) for --latency-seconds (default 20); p50/p99/max per
 *   source->target pair and what never arrived within --latency-drain seconds (default 30).
 *   --latency-people N per network (default 2), --latency-networks a,b (default all four),
 *   --latency-in-flight N (unanswered posts per network before a due one is not sent, default 16),
 *   --latency-alone-seconds N (each peer's own accept rate first, default 5; 0 skips),
 *   --latency-idle-seconds N (after the warm-up, each process's CPU with nobody posting, default
 *   10; 0 skips),
 *   --latency-verbose (the services' and peers' output on stderr), --latency-profile a,b (those
 *   services run under node --cpu-prof; profiles in $TMPDIR/pontis-bench-profiles when they stop),
 *   --latency-node-options '<flags>' (NODE_OPTIONS for every service process, default
 *   --max-semi-space-size=2 as in deploy/Dockerfile), --latency-pod-limits k8s|none (default k8s:
 *   each service in a memory cgroup with its pod's limit from k8s/base, so Node sizes its heap as
 *   in the pod; needs root, else unconstrained and the output says why). The memory line is every
 *   service process's peak resident set over that run, and the limits it ran under.
 * --only translator|firehose|latency runs one of them (latency prints the memory line too).
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
    'latency-rates': { type: 'string', default: '50,200,1000' },
    'latency-seconds': { type: 'string', default: '20' },
    'latency-drain': { type: 'string', default: '30' },
    'latency-people': { type: 'string', default: '2' },
    'latency-networks': { type: 'string', default: NETWORKS.join(',') },
    'latency-in-flight': { type: 'string', default: '16' },
    'latency-alone-seconds': { type: 'string', default: '5' },
    'latency-idle-seconds': { type: 'string', default: '10' },
    'latency-verbose': { type: 'boolean', default: false },
    'latency-profile': { type: 'string' },
    // As the image runs them (deploy/Dockerfile NODE_OPTIONS); '' to measure V8's default.
    'latency-node-options': { type: 'string', default: '--max-semi-space-size=2' },
    // k8s: each service in a memory cgroup with its pod's limit (k8s/base), as deployed; none: unconstrained.
    'latency-pod-limits': { type: 'string', default: 'k8s' },
    only: { type: 'string' },
  },
});
const wanted = (name: string) => !values.only || values.only === name || (name === 'latency' && values.only === 'memory');
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
if (wanted('translator')) await runTranslator();
if (wanted('latency')) {
  const { latency, memory } = await benchLatency({
    rates: values['latency-rates']!.split(',').map(Number),
    seconds: Number(values['latency-seconds']),
    drainSeconds: Number(values['latency-drain']),
    people: Number(values['latency-people']),
    networks: values['latency-networks']!.split(',') as Network[],
    maxInFlight: Number(values['latency-in-flight']),
    aloneSeconds: Number(values['latency-alone-seconds']),
    idleSeconds: Number(values['latency-idle-seconds']),
    partitions: Number(values.partitions),
    verbose: values['latency-verbose']!,
    podLimits: values['latency-pod-limits'] !== 'none',
    ...(values['latency-node-options'] ? { nodeOptions: values['latency-node-options'] } : {}),
    ...(values['latency-profile'] ? { profile: { services: values['latency-profile'].split(',') as DeployedService[], dir: join(tmpdir(), 'pontis-bench-profiles') } } : {}),
  });
  const stamp = { node: process.version, at: new Date().toISOString() };
  process.stdout.write(JSON.stringify({ bench: 'latency', ...latency, ...stamp }) + '\n');
  process.stdout.write(JSON.stringify({ bench: 'memory', during: 'the latency bench', aimMb: 250, ...memory, ...stamp }) + '\n');
}
process.exit(0);

async function runTranslator(): Promise<void> {
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
}
