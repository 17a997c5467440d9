import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBusConformance, waitFor } from './bus.conformance.js';
import type { DeliveredMessage } from './bus.js';
import { MemoryBus, partitionFor } from './memory-bus.js';
import { createBus } from './index.js';

const fast = { baseMs: 10, maxMs: 100, jitter: 0 };

runBusConformance('memory', async () => new MemoryBus({ backoff: fast }), { waitMs: 5_000, testTimeoutMs: 15_000 });

test('memory: a key always maps to the same partition', () => {
  for (const key of ['a', 'did:plc:xyz', 'https://example.com/users/u', 'ünïcødé']) {
    const p = partitionFor(key, 6);
    assert.ok(p >= 0 && p < 6);
    assert.equal(partitionFor(key, 6), p);
  }
});

test('memory: subscribers of one group split the partitions, each message goes to one of them', async () => {
  const bus = new MemoryBus();
  await bus.ensureTopics([{ topic: 't', partitions: 4 }]);
  const byMember = [new Map<string, number>(), new Map<string, number>()];
  const subs = await Promise.all(
    byMember.map((seen) =>
      bus.subscribe({ groupId: 'g', topics: ['t'], handleBatch: async (b) => b.forEach((m) => seen.set(`${m.partition}/${m.offset}`, m.partition)) }),
    ),
  );
  await bus.publish('t', Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: String(i) })));
  await waitFor('all', () => byMember[0]!.size + byMember[1]!.size >= 400, 5_000);
  const [a, b] = byMember.map((m) => new Set(m.values()));
  assert.ok(a!.size > 0 && b!.size > 0, 'both members got partitions');
  assert.deepEqual([...a!].filter((p) => b!.has(p)), [], 'no partition shared');
  assert.equal(byMember[0]!.size + byMember[1]!.size, 400, 'no duplicates');
  await Promise.all(subs.map((s) => s.stop()));
});

test('memory: when a member leaves, the other takes over from the committed offset', async () => {
  const bus = new MemoryBus();
  await bus.ensureTopics([{ topic: 't', partitions: 2 }]);
  const seen: string[] = [];
  const handleBatch = async (b: DeliveredMessage[]) => void seen.push(...b.map((m) => `${m.partition}/${m.offset}`));
  const a = await bus.subscribe({ groupId: 'g', topics: ['t'], handleBatch });
  const b = await bus.subscribe({ groupId: 'g', topics: ['t'], handleBatch });
  await bus.publish('t', Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: '' })));
  await waitFor('first 100', () => seen.length >= 100, 5_000);
  await a.stop();
  await bus.publish('t', Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: '' })));
  await waitFor('next 100', () => seen.length >= 200, 5_000);
  assert.equal(new Set(seen).size, 200);
  await b.stop();
});

test('memory: fromBeginning false starts at the end of the log', async () => {
  const bus = new MemoryBus();
  await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
  await bus.publish('t', [{ key: 'k', value: 'old' }]);
  const got: string[] = [];
  const sub = await bus.subscribe({ groupId: 'late', topics: ['t'], fromBeginning: false, handleBatch: async (b) => void got.push(...b.map((m) => m.value.toString())) });
  await bus.publish('t', [{ key: 'k', value: 'new' }]);
  await waitFor('new', () => got.length >= 1, 5_000);
  assert.deepEqual(got, ['new']);
  await sub.stop();
});

test('memory: a failing partition does not hold back the others', async () => {
  const bus = new MemoryBus({ backoff: { baseMs: 50, maxMs: 50, jitter: 0 } });
  await bus.ensureTopics([{ topic: 't', partitions: 4 }]);
  const handled = new Set<number>();
  let poisoned = -1;
  const sub = await bus.subscribe({
    groupId: 'g',
    topics: ['t'],
    handleBatch: async (b) => {
      if (poisoned === -1) poisoned = b[0]!.partition;
      if (b[0]!.partition === poisoned) throw new Error('down');
      b.forEach((m) => handled.add(m.partition));
    },
  });
  await bus.publish('t', Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: '' })));
  await waitFor('other partitions', () => handled.size >= 3, 5_000);
  assert.equal(handled.has(poisoned), false);
  assert.equal(await bus.lag('g', ['t']) > 0, true);
  await sub.stop();
});

test('memory: stop() waits for the batch in flight and it is committed', async () => {
  const bus = new MemoryBus();
  await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
  await bus.publish('t', [{ key: 'k', value: '1' }]);
  let started!: () => void;
  const inFlight = new Promise<void>((r) => (started = r));
  const sub = await bus.subscribe({
    groupId: 'g',
    topics: ['t'],
    handleBatch: async () => {
      started();
      await new Promise((r) => setTimeout(r, 50));
    },
  });
  await inFlight;
  await sub.stop();
  assert.equal(await bus.lag('g', ['t']), 0);
});

test('memory: throughput of the embedded default', async () => {
  const bus = new MemoryBus();
  await bus.ensureTopics([{ topic: 't', partitions: 6 }]);
  let n = 0;
  const sub = await bus.subscribe({ groupId: 'g', topics: ['t'], handleBatch: async (b) => void (n += b.length) });
  const total = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < total; i += 100) {
    await bus.publish('t', Array.from({ length: 100 }, (_, j) => ({ key: `k${(i + j) % 1000}`, value: 'x'.repeat(200) })));
  }
  await waitFor('all', () => n >= total, 20_000);
  const perSec = Math.round(total / ((performance.now() - t0) / 1000));
  console.log(`# memory bus: ${total} messages published and consumed at ~${perSec}/s`);
  assert.ok(perSec > 5_000, `${perSec}/s`);
  await sub.stop();
});

test('createBus picks memory without brokers and kafka with them', async () => {
  assert.equal(createBus({ clientId: 'x' }).kind, 'memory');
  assert.equal(createBus({ clientId: 'x', brokers: [] }).kind, 'memory');
  assert.equal(createBus({ clientId: 'x', brokers: ['127.0.0.1:1'] }).kind, 'kafka');
});
