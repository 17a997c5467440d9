/**
 * Integration (the shared broker; unique topic names): start-up steps wait for what is not there
 * yet instead of failing, and still fail at once on what waiting cannot fix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { DeliveredMessage } from './bus.js';
import { isRetryable } from './backoff.js';
import { KafkaBus } from './kafka-bus.js';
import type { WaitReport } from './wait-for.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const fast = { baseMs: 200, maxMs: 1_000, jitter: 0 };

test('kafka: subscribe waits for a topic another service has not created yet, then consumes it', { timeout: 180_000 }, async () => {
  const waits: WaitReport[] = [];
  const consumer = new KafkaBus({ brokers, clientId: 'startup-consumer', logLevel: 'nothing', startupBackoff: fast, startup: { waiting: (r) => void waits.push(r), ready: () => undefined } });
  const creator = new KafkaBus({ brokers, clientId: 'startup-creator', logLevel: 'nothing' });
  const topic = `startup.${randomUUID().slice(0, 8)}`;
  const got: DeliveredMessage[] = [];
  try {
    await Promise.all([consumer.start(), creator.start()]);
    let subscribed = false;
    const subscribing = consumer
      .subscribe({ groupId: `g-${topic}`, topics: [topic], handleBatch: async (m) => void got.push(...m) })
      .then((s) => ((subscribed = true), s));
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(subscribed, false, 'no topic yet: still waiting');
    await creator.ensureTopics([{ topic, partitions: 1 }]);
    const sub = await subscribing;
    await creator.publish(topic, [{ key: 'k', value: 'after the wait' }]);
    for (let i = 0; i < 600 && !got.length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(got[0]?.value.toString(), 'after the wait');
    await sub.stop();
    // kafkajs may ride out a short wait inside its own retries; a longer one shows up here.
    for (const w of waits) assert.match(w.what, new RegExp(`kafka topics ${topic} for group g-${topic}`));
  } finally {
    await Promise.all([consumer.stop(), creator.stop()]);
  }
});

test('kafka: a topic name the broker refuses fails ensureTopics at once, not retried', { timeout: 60_000 }, async () => {
  const waits: WaitReport[] = [];
  const bus = new KafkaBus({ brokers, clientId: 'startup-refused', logLevel: 'nothing', startupBackoff: fast, startup: { waiting: (r) => void waits.push(r), ready: () => undefined } });
  try {
    await bus.start();
    const err = await bus.ensureTopics([{ topic: `bad name ${randomUUID().slice(0, 4)}!`, partitions: 1 }]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Error, 'refused');
    assert.equal(isRetryable(err), false, String(err));
    assert.deepEqual(waits, []);
  } finally {
    await bus.stop();
  }
});
