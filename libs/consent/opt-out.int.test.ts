import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../bus/index.js';
import { coreTopics, parseEvent, TOPICS } from '../events/index.js';
import { createTestStore, type TestStore } from '../store/testing.js';
import { seedAccount } from '../testing/index.js';
import { optOut, OptOutDeliveryError } from './opt-out.js';

describe('optOut on the real Postgres', { timeout: 60_000 }, () => {
  let store: TestStore;
  before(async () => {
    store = await createTestStore();
  });
  after(async () => {
    await store?.drop();
  });

  it('records the opt-out even when the bus refuses, says so, and a retry sends the same events', async () => {
    const id = await seedAccount(store.ds, [
      { network: 'activitypub', id: 'https://mastodon.example/users/erin', handle: '@erin@mastodon.example', kind: 'native' },
      { network: 'atproto', id: 'did:plc:eeeeeeeeeeeeeeeeeeeeeeee', handle: 'erin.bsky.social', kind: 'native' },
      { network: 'nostr', id: 'f6'.repeat(32), kind: 'bridged' },
    ]);
    // A bus that has not created the topic refuses the message, as Kafka would without it.
    const bus = new MemoryBus();
    await bus.start();
    await assert.rejects(optOut(store.ds, bus, id, { actor: 'test' }), (err: unknown) => err instanceof OptOutDeliveryError && /opted out, but the removal/.test(err.message));
    const [acct] = await store.ds.query(`SELECT consent FROM accounts WHERE id = $1`, [id]);
    assert.equal(acct.consent, 'opted_out', 'nothing more is bridged from the moment of the opt-out');

    await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: 1 })));
    const received: string[] = [];
    const sub = await bus.subscribe({ groupId: 'g', topics: [TOPICS.events], handleBatch: async (ms) => void received.push(...ms.map((m) => m.value.toString())) });
    const retry = await optOut(store.ds, bus, id, { actor: 'test' });
    assert.equal(retry!.changed, false);
    assert.equal(retry!.events.length, 2, 'one per native identity, none for the proxy');
    await new Promise((r) => setTimeout(r, 200));
    await sub.stop();
    const events = received.map((v) => parseEvent(v));
    assert.deepEqual(events.map((e) => e.type), ['account.deleted', 'account.deleted']);
    assert.deepEqual(events.map((e) => e.id).sort(), [...retry!.events].sort());
    assert.ok(events.every((e) => e.id.includes('#opt-out-') && e.trace.hops === 0));
    const audit = await store.ds.query(`SELECT action FROM audit_log WHERE target = $1`, [`account:${id}`]);
    assert.deepEqual(audit.map((a: { action: string }) => a.action), ['account.opt-out'], 'audited once: the retry changed nothing');
    assert.equal(await optOut(store.ds, bus, '00000000-0000-4000-8000-000000000000', { actor: 'test' }), undefined);
  });
});
