import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KafkaBus, NamespacedBus, type Bus } from '../bus/index.js';
import { eventFixture, outboundTopic, parkedTopic, TOPICS, type OutboundCommand, type Receipt } from '../events/index.js';
import { createTestStore, type TestStore } from '../store/testing.js';
import { seedAccount, waitFor } from '../testing/index.js';
import { DeliveryError } from './delivery-error.js';
import { OutboundRunner, type Deliver } from './outbound-runner.js';
import { commandFor, Recorder } from './testing.js';

// Kafka on 127.0.0.1:9092 (KAFKA_BROKERS overrides), under a random topic prefix; Postgres on 127.0.0.1:5432.
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('OutboundRunner on Kafka: consumer group, commits, parking', { timeout: 120_000 }, () => {
  let s: TestStore;
  let bus: Bus;
  let rec: Recorder;
  let account: string;
  const calls: string[] = [];
  let failFirst = new Set<string>();
  const deliver: Deliver = async (c) => {
    calls.push(c.id);
    if (failFirst.delete(c.id)) throw new DeliveryError('relay away', { kind: 'transient', target: 'ws://relay' });
    return { ref: { network: 'nostr', id: `copy-${c.eventId}` } };
  };
  const runnerOn = () =>
    new OutboundRunner({ bus, ds: s.ds, network: 'nostr', deliver, partitions: 2, inlineBudgetMs: 0, policy: { initialDelayMs: 200, factor: 2, maxDelayMs: 400, maxAttempts: 5, maxElapsedMs: 60_000, jitter: 0 } });
  const cmd = (n: number): OutboundCommand => {
    const e = eventFixture('post.created');
    e.source.id = `https://mastodon.example/users/alice/statuses/k${n}`;
    e.id = `activitypub:${e.source.id}`;
    return commandFor(e, 'nostr', account);
  };
  const receipts = () => rec.json<Receipt>(TOPICS.receipts);

  before(async () => {
    s = await createTestStore();
    bus = new NamespacedBus(
      new KafkaBus({ brokers, clientId: `runner-${randomBytes(3).toString('hex')}`, logLevel: 'error', backoff: { baseMs: 100, maxMs: 1_000, jitter: 0 } }),
      `t${randomBytes(5).toString('hex')}`,
    );
    await bus.start();
    await bus.ensureTopics([outboundTopic('nostr'), parkedTopic('nostr'), TOPICS.receipts, TOPICS.deadLetter].map((topic) => ({ topic, partitions: 2 })));
    rec = await Recorder.on(bus, [TOPICS.receipts]);
    account = await seedAccount(s.ds, [{ network: 'activitypub', id: 'https://mastodon.example/users/alice', kind: 'native' }]);
  });
  after(async () => {
    await rec?.stop();
    await bus?.stop();
    await s?.drop();
  });

  it('delivers through group pontis-adapter-nostr, parks and re-drives, commits, and does not redo after a restart', async () => {
    const runner = runnerOn();
    await runner.start();
    assert.equal(runner.groupId, 'pontis-adapter-nostr');
    const [c1, c2, c3] = [cmd(1), cmd(2), cmd(3)];
    failFirst = new Set([c1.id]);
    await bus.publish(outboundTopic('nostr'), [c1, c2, c3].map((c) => ({ key: c.as.accountId, value: JSON.stringify(c) })));
    await waitFor(() => receipts().length >= 3, { what: 'three receipts', timeoutMs: 20_000 });
    assert.deepEqual(receipts().map((r) => r.commandId), [c1.id, c2.id, c3.id], 'per-account order kept through the parked topic');
    await waitFor(async () => (await bus.lag(runner.groupId, [outboundTopic('nostr')])) === 0, { what: 'outbound offsets committed', timeoutMs: 30_000 });
    await waitFor(async () => (await bus.lag(`${runner.groupId}-parked`, [parkedTopic('nostr')])) === 0, { what: 'parked offsets committed', timeoutMs: 30_000 });
    await runner.stop();

    // A new process: committed offsets mean nothing is handled again; a replayed command only re-sends its receipt.
    const before = calls.length;
    const again = runnerOn();
    await again.start();
    await bus.publish(outboundTopic('nostr'), [{ key: account, value: JSON.stringify(c2) }]);
    await waitFor(() => receipts().length >= 4, { what: 'replayed receipt', timeoutMs: 30_000 });
    await again.stop();
    assert.equal(calls.length, before, 'no side effect redone');
    assert.equal(receipts()[3]?.commandId, c2.id);
    const rows: { status: string }[] = await s.ds.query(`SELECT status FROM deliveries ORDER BY id`);
    assert.deepEqual(rows.map((r) => r.status), ['delivered', 'delivered', 'delivered']);
  });

  it('lanes through the parked topic: an edit waits behind its parked post, another post of the account does not', async () => {
    const runner = runnerOn();
    await runner.start();
    const provisioned = (c: OutboundCommand): OutboundCommand => ({ ...c, as: { ...c.as, id: 'npub-alice' } });
    const post = provisioned(cmd(10));
    const e = eventFixture('post.updated');
    e.source.id = `${post.event.source.id}#edit`;
    e.id = `activitypub:${e.source.id}`;
    e.target = post.event.source;
    const edit = provisioned(commandFor(e, 'nostr', account, { objectKey: post.objectKey }));
    const other = provisioned(cmd(11));
    failFirst = new Set([post.id]);
    const seen = receipts().length;
    await bus.publish(outboundTopic('nostr'), [post, edit, other].map((c) => ({ key: c.as.accountId, value: JSON.stringify(c) })));
    await waitFor(() => receipts().length >= seen + 3, { what: 'three receipts', timeoutMs: 30_000 });
    await runner.stop();
    assert.deepEqual(receipts().slice(seen).map((r) => r.commandId), [other.id, post.id, edit.id], 'the other post first; the edit after its post');
    assert.ok(calls.lastIndexOf(post.id) < calls.indexOf(edit.id), 'the edit was attempted only after its post');
  });
});
