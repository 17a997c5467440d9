import { randomBytes } from 'node:crypto';
import { TranslatorService } from '../../services/translator/translator.service.js';
import { OutboundRunner } from '../adapter/index.js';
import { KafkaBus, NamespacedBus, type Bus } from '../bus/index.js';
import { NETWORKS, outboundTopic, parkedTopic, TOPICS, type Network, type OutboundCommand } from '../events/index.js';
import { createTestStore, type TestStore } from '../store/testing.js';
import { testEnv, waitFor } from '../testing/index.js';
import { backfillJobs, startBackfill, type BackfillJob } from './backfill-jobs.js';
import { BackfillRunner } from './backfill-runner.js';
import type { BackfillSource } from './backfill-source.js';

/**
 * Test-only: the path a backfill takes after its adapter, on the real broker and database: the
 * translator, and an outbound runner per other network whose delivery records the command (the
 * adapters' own delivery is tested in their suites; the e2e scenarios `backfill:*` run them all).
 */
export interface BackfillRig {
  store: TestStore;
  bus: Bus;
  /** Commands delivered per target network, in the order they were delivered. */
  delivered: Map<Network, OutboundCommand[]>;
  waitJob(jobId: string, until: (j: BackfillJob) => boolean, what: string, timeoutMs?: number): Promise<BackfillJob>;
  /** Starts a job for the account, runs one runner over `source` until it settles, and answers the job. */
  runJob(source: BackfillSource, accountId: string, count: number): Promise<BackfillJob>;
  close(): Promise<void>;
}

export async function backfillRig(source: Network): Promise<BackfillRig> {
  const store = await createTestStore();
  const bus = new NamespacedBus(new KafkaBus({ brokers: testEnv.kafkaBrokers, clientId: 'backfill-test', logLevel: 'error' }), `t${randomBytes(5).toString('hex')}`);
  await bus.start();
  await bus.ensureTopics([TOPICS.events, TOPICS.receipts, TOPICS.deadLetter, ...NETWORKS.flatMap((n) => [outboundTopic(n), parkedTopic(n)])].map((topic) => ({ topic, partitions: 2 })));
  const translator = new TranslatorService(bus, store.ds, { partitions: 2, pendingTimeoutMs: 120_000, sweepIntervalMs: 3_600_000 });
  await translator.start();
  const delivered = new Map<Network, OutboundCommand[]>();
  const runners = NETWORKS.filter((n) => n !== source).map((network) => {
    delivered.set(network, []);
    return new OutboundRunner({
      bus,
      ds: store.ds,
      network,
      partitions: 2,
      deliver: async (c) => {
        delivered.get(network)!.push(c);
        return { ref: { network, id: `copy:${c.id}` } };
      },
    });
  });
  for (const r of runners) await r.start();
  const rig: BackfillRig = {
    store,
    bus,
    delivered,
    async runJob(source, accountId, count) {
      const started = await startBackfill(store.ds, { accountId, count });
      if (!started.ok || !started.created) throw new Error(`no new job: ${JSON.stringify(started)}`);
      const runner = new BackfillRunner({ ds: store.ds, bus, source, pollMs: 200 });
      runner.start();
      try {
        return await rig.waitJob(started.job.id, (j) => j.settled, 'backfill settled');
      } finally {
        await runner.stop();
      }
    },
    async waitJob(jobId, until, what, timeoutMs = 60_000) {
      let last: BackfillJob | undefined;
      // The probe answers the job itself when it is not there yet, so a timeout shows its counts.
      await waitFor(async () => {
        [last] = await backfillJobs(store.ds, { ids: [jobId] });
        return last && until(last) ? true : undefined;
      }, { what, timeoutMs, intervalMs: 200 }).catch((err: Error) => {
        throw new Error(`${err.message}; job: ${JSON.stringify(last)}`);
      });
      return last!;
    },
    async close() {
      for (const r of runners) await r.stop().catch(() => undefined);
      await translator.stop().catch(() => undefined);
      await bus.stop().catch(() => undefined);
      await store.drop();
    },
  };
  return rig;
}

/**
 * A bus that goes silent after `okPublishes` publishes: the process owning a backfill dies in the
 * middle of one (its lease then runs out and another runner resumes the job). `release()` lets the
 * stuck call fail at the end of the test.
 */
export function dyingBus(bus: Bus, okPublishes: number): { bus: Bus; release(): void } {
  let left = okPublishes;
  let release = (): void => undefined;
  const stuck = new Promise<never>((_, reject) => (release = () => reject(new Error('the process is gone'))));
  stuck.catch(() => undefined);
  const wrapped = new Proxy(bus, {
    get(target, prop, receiver) {
      if (prop === 'publish')
        return (topic: string, messages: Parameters<Bus['publish']>[1]) => (left-- > 0 ? target.publish(topic, messages) : stuck);
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { bus: wrapped, release: () => release() };
}
