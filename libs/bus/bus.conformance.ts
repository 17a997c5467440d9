/**
 * The one contract both backends must pass. Test-only: not exported from index.ts.
 * Every test makes its own bus, topics and groups (suffixed with a random run id) so reruns
 * against a long-lived broker never see each other's data.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { isRetryable } from './backoff.js';
import type { Bus, DeliveredMessage, OutgoingMessage } from './bus.js';

export interface ConformanceOptions {
  /** Partitions for multi-partition topics (default 3). */
  partitions?: number;
  /** Per test (default 60 s). */
  testTimeoutMs?: number;
  /** Per wait for deliveries (default 30 s). */
  waitMs?: number;
}

export function runBusConformance(name: string, makeBus: () => Promise<Bus>, opts: ConformanceOptions = {}): void {
  const partitions = opts.partitions ?? 3;
  const waitMs = opts.waitMs ?? 30_000;
  const run = randomUUID().slice(0, 8);
  let seq = 0;
  const unique = (label: string) => `conformance.${label}.${run}.${++seq}`;

  const it = (title: string, fn: (bus: Bus) => Promise<void>) =>
    test(title, { timeout: opts.testTimeoutMs ?? 60_000 }, async () => {
      const bus = await makeBus();
      await bus.start();
      try {
        await fn(bus);
      } finally {
        await bus.stop();
      }
    });

  const until = (what: string, cond: () => boolean | Promise<boolean>) => waitFor(what, cond, waitMs);

  describe(`Bus conformance: ${name}`, () => {
    it('preserves order per key', async (bus) => {
      const topic = unique('order');
      await bus.ensureTopics([{ topic, partitions }]);
      const keys = Array.from({ length: 12 }, (_, i) => `acct-${i}`);
      for (let s = 0; s < 40; s++) await bus.publish(topic, keys.map((key) => msg(key, s)));
      const got = new Map<string, number[]>();
      const sub = await bus.subscribe({
        groupId: unique('g'),
        topics: [topic],
        handleBatch: async (batch) => {
          for (const m of batch) got.set(m.key, [...(got.get(m.key) ?? []), seqOf(m)]);
        },
      });
      await until('all 480 messages', () => count(got) >= 480);
      await sub.stop();
      for (const key of keys) assert.deepEqual(got.get(key), range(40), `order for ${key}`);
    });

    it('delivers exactly once across a stop/start when handlers succeed', async (bus) => {
      // One partition: a marker published after a restart arrives only after anything redelivered.
      const topic = unique('once');
      const groupId = unique('g');
      await bus.ensureTopics([{ topic, partitions: 1 }]);
      const seen: string[] = [];
      const subscribe = () =>
        bus.subscribe({ groupId, topics: [topic], handleBatch: async (b) => void seen.push(...b.map(idOf)) });
      await bus.publish(topic, range(100).map((s) => msg('k', s)));
      let sub = await subscribe();
      await until('first 100', () => seen.length >= 100);
      await sub.stop();
      await bus.publish(topic, range(50).map((s) => msg('k', 100 + s)));
      sub = await subscribe();
      await until('next 50', () => seen.length >= 150);
      await sub.stop();
      sub = await subscribe();
      await bus.publish(topic, [msg('marker', 0)]);
      await until('marker', () => seen.includes('marker:0'));
      await sub.stop();
      assert.equal(new Set(seen).size, seen.length, 'no message delivered twice');
      assert.equal(seen.length, 151);
      assert.equal(await bus.lag(groupId, [topic]), 0);
    });

    it('offers the same batch again after the handler throws, and loses nothing after it', async (bus) => {
      const topic = unique('retry');
      await bus.ensureTopics([{ topic, partitions }]);
      await bus.publish(topic, range(60).map((s) => msg(`k${s % 6}`, s)));
      const calls: DeliveredMessage[][] = [];
      const handled = new Set<string>();
      let failures = 0;
      const sub = await bus.subscribe({
        groupId: unique('g'),
        topics: [topic],
        handleBatch: async (batch) => {
          calls.push(batch);
          // Fail the first two offers of the first batch seen.
          if (failures < 2 && (calls.length === 1 || samePartition(batch, calls[0]!))) {
            failures++;
            throw new Error('transient');
          }
          for (const m of batch) handled.add(idOf(m));
        },
      });
      await until('all 60 handled', () => handled.size >= 60);
      await sub.stop();
      const first = calls[0]!;
      const sameP = calls.filter((c) => samePartition(c, first));
      assert.ok(sameP.length >= 3, 'failed batch was re-offered');
      assert.deepEqual(offsets(sameP[1]!), offsets(first), 'second offer is the same batch');
      assert.deepEqual(offsets(sameP[2]!), offsets(first), 'third offer is the same batch');
      assert.equal(handled.size, 60);
    });

    it('gives every message to each of two groups', async (bus) => {
      const topic = unique('groups');
      await bus.ensureTopics([{ topic, partitions }]);
      await bus.publish(topic, range(100).map((s) => msg(`k${s % 7}`, s)));
      const a = new Set<string>();
      const b = new Set<string>();
      const subs = await Promise.all([
        bus.subscribe({ groupId: unique('ga'), topics: [topic], handleBatch: async (x) => x.forEach((m) => a.add(idOf(m))) }),
        bus.subscribe({ groupId: unique('gb'), topics: [topic], handleBatch: async (x) => x.forEach((m) => b.add(idOf(m))) }),
      ]);
      await until('both groups complete', () => a.size >= 100 && b.size >= 100);
      await Promise.all(subs.map((s) => s.stop()));
      assert.equal(a.size, 100);
      assert.equal(b.size, 100);
    });

    it('shares partitions among subscribers of one group without losing messages', async (bus) => {
      const topic = unique('share');
      const groupId = unique('g');
      await bus.ensureTopics([{ topic, partitions }]);
      const got = new Set<string>();
      const handleBatch = async (x: DeliveredMessage[]) => x.forEach((m) => got.add(idOf(m)));
      const subs = [
        await bus.subscribe({ groupId, topics: [topic], handleBatch }),
        await bus.subscribe({ groupId, topics: [topic], handleBatch }),
      ];
      await bus.publish(topic, range(200).map((s) => msg(`k${s % 13}`, s)));
      await until('all 200', () => got.size >= 200);
      await Promise.all(subs.map((s) => s.stop()));
      assert.equal(got.size, 200);
    });

    it('round-trips key, value bytes and headers', async (bus) => {
      const topic = unique('headers');
      await bus.ensureTopics([{ topic, partitions }]);
      const value = Buffer.from([0, 255, 1, 128, 10]);
      const headers = { 'x-a': '1', 'x-unicode': 'héllo ✓', 'content-type': 'application/json' };
      const before = Date.now();
      await bus.publish(topic, [{ key: 'did:plc:abc', value, headers }, { key: 'text', value: 'plain ✓' }]);
      const got: DeliveredMessage[] = [];
      const sub = await bus.subscribe({ groupId: unique('g'), topics: [topic], handleBatch: async (b) => void got.push(...b) });
      await until('both messages', () => got.length >= 2);
      await sub.stop();
      const bin = got.find((m) => m.key === 'did:plc:abc')!;
      assert.ok(bin.value.equals(value));
      assert.deepEqual(bin.headers, headers);
      assert.equal(bin.topic, topic);
      assert.match(bin.offset, /^\d+$/);
      assert.ok(bin.timestamp >= before - 5_000 && bin.timestamp <= Date.now() + 5_000, 'timestamp is the publish time');
      const text = got.find((m) => m.key === 'text')!;
      assert.equal(text.value.toString('utf8'), 'plain ✓');
      assert.deepEqual(text.headers, {});
    });

    it('ensureTopics is idempotent', async (bus) => {
      const topic = unique('ensure');
      await bus.ensureTopics([{ topic, partitions }]);
      await bus.ensureTopics([{ topic, partitions }]);
      await Promise.all([bus.ensureTopics([{ topic, partitions: partitions + 1 }]), bus.ensureTopics([{ topic, partitions }])]);
      await bus.publish(topic, [msg('k', 0)]);
      const got: string[] = [];
      const sub = await bus.subscribe({ groupId: unique('g'), topics: [topic], handleBatch: async (b) => void got.push(...b.map(idOf)) });
      await until('message', () => got.length >= 1);
      await sub.stop();
      assert.deepEqual(got, ['k:0']);
    });

    it('reports lag and brings it to 0 after consumption', async (bus) => {
      const topic = unique('lag');
      const groupId = unique('g');
      await bus.ensureTopics([{ topic, partitions }]);
      await bus.publish(topic, range(200).map((s) => msg(`k${s % 11}`, s)));
      assert.equal(await bus.lag(groupId, [topic]), 200, 'a group that never consumed lags by everything');
      const sub = await bus.subscribe({ groupId, topics: [topic], handleBatch: async () => {} });
      await until('lag 0', async () => (await bus.lag(groupId, [topic])) === 0);
      await sub.stop();
      assert.equal(await bus.lag(groupId, [topic]), 0);
    });

    it('refuses to publish to an unknown topic with a permanent error', async (bus) => {
      await assert.rejects(bus.publish(unique('missing'), [msg('k', 0)]), (err) => isRetryable(err) === false);
    });

    it('publishes to several topics at once, keeping order per key in each', async (bus) => {
      const topics = [unique('all-a'), unique('all-b')];
      await bus.ensureTopics(topics.map((topic) => ({ topic, partitions })));
      await bus.publishAll(topics.map((topic, i) => ({ topic, messages: range(30).map((s) => msg(`k${(s + i) % 4}`, s)) })));
      const seen = new Map<string, number[]>();
      const sub = await bus.subscribe({
        groupId: unique('all'),
        topics,
        handleBatch: async (x) => x.forEach((m) => seen.set(`${m.topic}|${m.key}`, [...(seen.get(`${m.topic}|${m.key}`) ?? []), seqOf(m)])),
      });
      await until('both topics consumed', () => count(seen) >= 60);
      await sub.stop();
      assert.equal(count(seen), 60);
      for (const seqs of seen.values()) assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      await assert.rejects(bus.publishAll([{ topic: topics[0]!, messages: [msg('k', 99)] }, { topic: unique('missing'), messages: [msg('k', 0)] }]), (err) => isRetryable(err) === false);
    });

    it('reports health ok', async (bus) => {
      const h = await bus.health();
      assert.equal(h.ok, true, h.detail);
    });
  });
}

function msg(key: string, s: number): OutgoingMessage {
  return { key, value: JSON.stringify({ key, seq: s }) };
}
const seqOf = (m: DeliveredMessage) => (JSON.parse(m.value.toString('utf8')) as { seq: number }).seq;
const idOf = (m: DeliveredMessage) => `${m.key}:${seqOf(m)}`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const count = (m: Map<string, number[]>) => [...m.values()].reduce((a, v) => a + v.length, 0);
const offsets = (b: DeliveredMessage[]) => b.map((m) => `${m.partition}/${m.offset}`);
const samePartition = (a: DeliveredMessage[], b: DeliveredMessage[]) =>
  a[0]!.topic === b[0]!.topic && a[0]!.partition === b[0]!.partition;

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
