import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOPICS } from '../events/topics.js';
import { waitFor } from './bus.conformance.js';
import type { DeliveredMessage } from './bus.js';
import { deadLetterReason, publishDeadLetter } from './dead-letter.js';
import { MemoryBus } from './memory-bus.js';

async function readAll(bus: MemoryBus, n: number): Promise<DeliveredMessage[]> {
  const got: DeliveredMessage[] = [];
  const sub = await bus.subscribe({ groupId: 'dlq-reader', topics: [TOPICS.deadLetter], handleBatch: async (b) => void got.push(...b) });
  await waitFor(`${n} dead letter(s)`, () => got.length >= n, 5_000);
  await sub.stop();
  return got;
}

test('publishDeadLetter keeps the original bytes and key, and says why, where from and who', async () => {
  const bus = new MemoryBus();
  await bus.ensureTopics([{ topic: TOPICS.deadLetter, partitions: 2 }]);
  const original = Buffer.from('{"not":"valid" \xff', 'latin1');
  await publishDeadLetter(bus, {
    topic: TOPICS.events,
    key: 'did:plc:alice',
    value: original,
    reason: 'schema: missing actor',
    source: 'translator',
    headers: { 'x-trace': 't1' },
  });
  const [m] = await readAll(bus, 1);
  assert.ok(m);
  assert.equal(m.topic, TOPICS.deadLetter);
  assert.equal(m.key, 'did:plc:alice');
  assert.ok(m.value.equals(original));
  assert.equal(m.headers['x-dead-letter-reason'], 'schema: missing actor');
  assert.equal(m.headers['x-original-topic'], TOPICS.events);
  assert.equal(m.headers['x-dead-letter-source'], 'translator');
  assert.equal(m.headers['x-trace'], 't1');
  assert.deepEqual(deadLetterReason(m), { reason: 'schema: missing actor', originalTopic: TOPICS.events, source: 'translator' });
  await bus.stop();
});

test('dead-letter headers win over original headers of the same name, and long reasons are cut', async () => {
  const bus = new MemoryBus();
  await bus.ensureTopics([{ topic: TOPICS.deadLetter, partitions: 1 }]);
  await publishDeadLetter(bus, {
    topic: 'bridge.outbound.nostr.v1',
    key: 'k',
    value: 'v',
    reason: 'x'.repeat(10_000),
    source: 'nostr-adapter',
    headers: { 'x-dead-letter-reason': 'forged' },
  });
  const [m] = await readAll(bus, 1);
  const info = deadLetterReason(m!);
  assert.ok(info && info.reason.startsWith('xxx') && info.reason.length <= 2_001);
  assert.equal(info.originalTopic, 'bridge.outbound.nostr.v1');
  await bus.stop();
});

test('deadLetterReason is undefined for an ordinary message', () => {
  assert.equal(deadLetterReason({ headers: {} }), undefined);
  assert.equal(deadLetterReason({ headers: { 'x-original-topic': 't' } }), undefined);
});

test('publishDeadLetter fails when the dead-letter topic was never ensured', async () => {
  const bus = new MemoryBus();
  await assert.rejects(publishDeadLetter(bus, { topic: 't', key: 'k', value: 'v', reason: 'r', source: 's' }), /unknown topic/);
});
