import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBus } from '../bus/index.js';
import { TOPICS, type Receipt } from '../events/index.js';
import { ReceiptBatch } from './receipt-batch.js';
import { Recorder } from './testing.js';

const receipt = (n: number): Receipt => ({ v: 1, commandId: `c${n}`, objectKey: '00000000-0000-5000-8000-000000000001', network: 'nostr', status: 'delivered' });

async function busWithSlowFirstPublish(): Promise<{ bus: MemoryBus; rec: Recorder; refuseFrom: (n: number) => void }> {
  const bus = new MemoryBus();
  await bus.start();
  await bus.ensureTopics([{ topic: TOPICS.receipts, partitions: 1 }]);
  const rec = await Recorder.on(bus, [TOPICS.receipts]);
  const publish = bus.publish.bind(bus);
  let calls = 0;
  let refuseAt = Infinity;
  bus.publish = async (topic, messages) => {
    const call = ++calls;
    if (call === 1) await new Promise((r) => setTimeout(r, 50)); // the first publish is slow: a later one must not overtake it
    if (call >= refuseAt) throw new Error('KafkaJSConnectionError: broker away');
    return publish(topic, messages);
  };
  return { bus, rec, refuseFrom: (n) => void (refuseAt = n) };
}

test('receipts flushed by two lanes at once go out in the order they were added', async () => {
  const { bus, rec } = await busWithSlowFirstPublish();
  const batch = new ReceiptBatch(bus);
  batch.add(receipt(1));
  const first = batch.flush(); // lane A: still in flight when lane B flushes
  batch.add(receipt(2));
  const second = batch.flush();
  await Promise.all([first, second]);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(rec.json<Receipt>(TOPICS.receipts).map((r) => r.commandId), ['c1', 'c2']);
  await rec.stop();
  await bus.stop();
});

test('after a refused publish nothing more goes out: the replay sends them all, in order', async () => {
  const { bus, rec, refuseFrom } = await busWithSlowFirstPublish();
  refuseFrom(1);
  const batch = new ReceiptBatch(bus);
  batch.add(receipt(1));
  const first = batch.flush();
  batch.add(receipt(2));
  const second = batch.flush();
  await assert.rejects(first, /broker away/);
  await assert.rejects(second, /broker away/);
  await assert.rejects(batch.flush(), /broker away/, 'the batch stays failed');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(rec.json<Receipt>(TOPICS.receipts), []);
  await rec.stop();
  await bus.stop();
});

test('flushIfDue waits for company until the oldest receipt is maxDelayMs old', async () => {
  const { bus, rec } = await busWithSlowFirstPublish();
  const batch = new ReceiptBatch(bus, 30);
  batch.add(receipt(1));
  await batch.flushIfDue();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(rec.messages.length, 0, 'not due yet');
  await new Promise((r) => setTimeout(r, 15));
  batch.add(receipt(2));
  await batch.flushIfDue();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(rec.json<Receipt>(TOPICS.receipts).map((r) => r.commandId), ['c1', 'c2'], 'both in one publish once due');
  await rec.stop();
  await bus.stop();
});
