import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KafkaBus, NamespacedBus, type Bus } from '../../libs/bus/index.js';
import { eventFixture, NETWORKS, outboundTopic, TOPICS, type BridgeEvent, type OutboundCommand, type Receipt } from '../../libs/events/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { seedAccount, testEnv, waitFor } from '../../libs/testing/index.js';
import { TranslatorService } from './translator.service.js';

const ALICE = 'https://mastodon.example/users/alice';
const ALICE_BSKY = 'did:plc:alicebridged';
const BOB = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const BOB_AP = 'https://pontis.example/ap/bob';

describe('blocks honored across networks (translator, Kafka and Postgres)', { timeout: 120_000 }, () => {
  let store: TestStore;
  let bus: Bus;
  let translator: TranslatorService;
  const commands: OutboundCommand[] = [];
  const run = randomBytes(3).toString('hex');
  const stops: Array<() => Promise<void>> = [];
  const publish = (e: BridgeEvent) => bus.publish(TOPICS.events, [{ key: e.actor.id, value: JSON.stringify(e) }]);
  const commandsFor = (id: string) => commands.filter((c) => c.eventId === id);
  const outcome = async (id: string) => {
    const rows: { outcome: string; reason: string | null }[] = await store.ds.query(`SELECT outcome, reason FROM processed_events WHERE event_id = $1`, [id]);
    return rows[0];
  };
  let parentCopy = '';

  const bobReply = (n: string): BridgeEvent => {
    const e = eventFixture('post.created');
    const uri = `at://${BOB}/app.bsky.feed.post/${run}${n}`;
    return {
      ...e,
      id: `atproto:${uri}`,
      source: { network: 'atproto', id: uri },
      actor: { network: 'atproto', id: BOB, handle: 'bob.bsky.social' },
      trace: { origin: 'atproto', hops: 0 },
      object: { ...e.object!, text: `reply ${n}`, facets: [], attachments: [], replyTo: { network: 'atproto', id: parentCopy }, threadRoot: { network: 'atproto', id: parentCopy } },
    };
  };
  const aliceBlock = (undo: boolean): BridgeEvent => {
    const e = eventFixture(undo ? 'block.deleted' : 'block.created');
    const id = `${ALICE}#blocks/${run}${undo ? '/undo' : ''}`;
    return { ...e, id: `activitypub:${id}`, source: { network: 'activitypub', id }, actor: { network: 'activitypub', id: ALICE }, subject: { network: 'activitypub', id: BOB_AP }, trace: { origin: 'activitypub', hops: 0 } };
  };

  before(async () => {
    store = await createTestStore();
    bus = new NamespacedBus(new KafkaBus({ brokers: testEnv.kafkaBrokers, clientId: 'block-test' }), `blk${randomBytes(4).toString('hex')}`);
    await bus.start();
    await seedAccount(store.ds, [
      { network: 'activitypub', id: ALICE, handle: '@alice@mastodon.example', kind: 'native' },
      { network: 'atproto', id: ALICE_BSKY, kind: 'bridged' },
    ]);
    await seedAccount(store.ds, [
      { network: 'atproto', id: BOB, handle: 'bob.bsky.social', kind: 'native' },
      { network: 'activitypub', id: BOB_AP, kind: 'bridged' },
    ]);
    translator = new TranslatorService(bus, store.ds, { partitions: 2, pendingTimeoutMs: 60_000, sweepIntervalMs: 3_600_000, groupId: `tr-${run}` });
    await translator.start();
    const collector = await bus.subscribe({
      groupId: `col-${run}`,
      topics: NETWORKS.map(outboundTopic),
      handleBatch: async (msgs) => void msgs.forEach((m) => commands.push(JSON.parse(m.value.toString('utf8')) as OutboundCommand)),
    });
    stops.push(() => collector.stop(), () => translator.stop());

    // Alice's post, bridged to Bluesky (the receipt records the copy Bob will reply to).
    const post = eventFixture('post.created');
    post.id = `activitypub:${ALICE}/statuses/${run}`;
    post.source = { network: 'activitypub', id: `${ALICE}/statuses/${run}` };
    post.object!.facets = [];
    await publish(post);
    const [toBsky] = await waitFor(() => commandsFor(post.id).filter((c) => c.target === 'atproto').length && commandsFor(post.id).filter((c) => c.target === 'atproto'), { what: 'post command' });
    parentCopy = `at://${ALICE_BSKY}/app.bsky.feed.post/${run}`;
    const r: Receipt = { v: 1, commandId: toBsky!.id, objectKey: toBsky!.objectKey, network: 'atproto', ref: { network: 'atproto', id: parentCopy }, status: 'delivered' };
    await bus.publish(TOPICS.receipts, [{ key: 'a', value: JSON.stringify(r) }]);
    await waitFor(async () => (await store.ds.query(`SELECT 1 FROM object_map WHERE native_id = $1`, [parentCopy])).length, { what: 'copy recorded' });
  });

  after(async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await bus?.stop();
    await store?.drop();
  });

  it('without a block, Bob\'s reply to Alice\'s copy reaches the fediverse under her post', async () => {
    const reply = bobReply('r0');
    await publish(reply);
    const got = await waitFor(() => commandsFor(reply.id).find((c) => c.target === 'activitypub'), { what: 'reply command' });
    assert.equal(got.refs.replyTo?.id, `${ALICE}/statuses/${run}`);
  });

  it('Alice blocks Bob\'s proxy on the fediverse: the block reaches her Bluesky proxy, is stored, and Bob\'s replies to her stop', async () => {
    const block = aliceBlock(false);
    await publish(block);
    const toBsky = await waitFor(() => commandsFor(block.id).find((c) => c.target === 'atproto'), { what: 'block command to Bluesky' });
    assert.equal(toBsky.as.id, ALICE_BSKY);
    assert.deepEqual(toBsky.actors[`activitypub:${BOB_AP}`], { id: BOB, handle: 'bob.bsky.social' });
    // The translator publishes its commands before it writes its state: the row may come a moment later.
    const rows = await waitFor(async () => {
      const r = await store.ds.query(`SELECT blocker_id, blocked_id FROM blocks`);
      return r.length ? r : undefined;
    }, { what: 'the block stored' });
    assert.deepEqual(rows, [{ blocker_id: ALICE, blocked_id: BOB_AP }]);

    const reply = bobReply('r1');
    await publish(reply);
    await waitFor(async () => (await outcome(reply.id))?.reason === 'blocked-by-recipient', { what: 'reply dropped as blocked' });
    assert.equal(commandsFor(reply.id).length, 0);

    // Bob's own top-level posts still bridge.
    const own = { ...bobReply('own'), object: { ...bobReply('own').object!, replyTo: undefined, threadRoot: undefined } };
    await publish(own);
    await waitFor(() => commandsFor(own.id).some((c) => c.target === 'activitypub'), { what: 'own post bridged' });
  });

  it('after Alice unblocks, Bob\'s replies to her bridge again', async () => {
    const unblock = aliceBlock(true);
    await publish(unblock);
    await waitFor(async () => (await outcome(unblock.id)) !== undefined, { what: 'unblock decided' });
    assert.deepEqual(await store.ds.query(`SELECT * FROM blocks`), []);
    const reply = bobReply('r2');
    await publish(reply);
    await waitFor(() => commandsFor(reply.id).some((c) => c.target === 'activitypub'), { what: 'reply bridged again' });
  });
});
