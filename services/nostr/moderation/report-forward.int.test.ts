/**
 * A report made on another network about a bridged Nostr person, forwarded through the outbound
 * runner to a real relay as a kind 1984 signed by the bridge's own key. Real relay (child process),
 * Postgres on 127.0.0.1:5432, the in-process bus.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecretKey, getPublicKey, verifyEvent } from 'nostr-tools/pure';
import { OutboundRunner } from '../../../libs/adapter/index.js';
import { Recorder } from '../../../libs/adapter/testing.js';
import { MemoryBus } from '../../../libs/bus/index.js';
import { commandId, outboundTopic, parkedTopic, TOPICS, type BridgeEvent, type OutboundCommand, type Receipt } from '../../../libs/events/index.js';
import { NostrRelayPeer } from '../../../libs/harness/index.js';
import { parseMasterKey, SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { waitFor } from '../../../libs/testing/index.js';
import { NostrKeys } from '../identity/index.js';
import { RelayPublisher } from '../publish/relay-publisher.js';
import { NostrReportForwarder } from './report-forward.js';

describe('a report forwarded to Nostr (real relay)', { timeout: 60_000 }, () => {
  let s: TestStore;
  let bus: MemoryBus;
  let relay: NostrRelayPeer;
  let runner: OutboundRunner;
  let rec: Recorder;
  let keys: NostrKeys;

  before(async () => {
    s = await createTestStore();
    relay = new NostrRelayPeer();
    const { url } = await relay.start();
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics([outboundTopic('nostr'), parkedTopic('nostr'), TOPICS.receipts, TOPICS.deadLetter].map((topic) => ({ topic, partitions: 1 })));
    rec = await Recorder.on(bus, [TOPICS.receipts]);
    keys = new NostrKeys(s.ds, new SecretBox([{ version: 1, key: parseMasterKey(randomBytes(32).toString('base64')) }]));
    const publisher = new RelayPublisher({ publishRelays: [url], okTimeoutMs: 2_000, connectTimeoutMs: 1_000 });
    const forwarder = new NostrReportForwarder({ keys, publisher });
    runner = new OutboundRunner({ bus, ds: s.ds, network: 'nostr', deliver: forwarder.deliver });
    await runner.start();
  });
  after(async () => {
    await runner?.stop();
    await rec?.stop();
    await bus?.stop();
    await relay?.stop();
    await s?.drop();
  });

  it('publishes a kind 1984 by the bridge key naming the person and their note, not the reporter', async () => {
    const person = getPublicKey(generateSecretKey());
    const note = randomBytes(32).toString('hex');
    const flagId = `https://mastodon.example/${randomBytes(4).toString('hex')}`;
    const event: BridgeEvent = {
      v: 1,
      id: `activitypub:${flagId}`,
      type: 'report.created',
      occurredAt: new Date().toISOString(),
      source: { network: 'activitypub', id: flagId },
      actor: { network: 'activitypub', id: 'https://mastodon.example/users/reporter' },
      trace: { origin: 'activitypub', hops: 0 },
      report: { reason: 'spam', actors: [{ network: 'activitypub', id: 'https://pontis.example/ap/users/x' }], objects: [{ network: 'activitypub', id: 'https://pontis.example/ap/objects/1' }] },
    };
    const command: OutboundCommand = {
      v: 1,
      id: commandId(event.id, 'nostr'),
      eventId: event.id,
      target: 'nostr',
      as: { accountId: '', mode: 'bridged' },
      event,
      objectKey: '00000000-0000-4000-8000-000000000001',
      refs: {},
      actors: { 'activitypub:https://pontis.example/ap/users/x': { id: person } },
      objects: { 'activitypub:https://pontis.example/ap/objects/1': { network: 'nostr', id: note, original: true, author: person } },
    };
    await bus.publish(outboundTopic('nostr'), [{ key: event.actor.id, value: JSON.stringify(command) }]);
    const receipt = await waitFor(() => rec.json<Receipt>(TOPICS.receipts).find((r) => r.commandId === command.id), { what: 'receipt' });
    assert.equal(receipt.status, 'delivered', receipt.reason);
    const bot = (await keys.botKey()).pubkey;
    const [got] = await relay.query({ kinds: [1984], authors: [bot] });
    assert.ok(got, 'the report is on the relay, by the bridge key');
    assert.ok(verifyEvent(JSON.parse(JSON.stringify(got))));
    assert.deepEqual(got.tags, [['p', person, 'spam'], ['e', note, 'spam']]);
    assert.equal(got.content, 'Reported on activitypub through the Pontis bridge: spam');
    assert.ok(!got.content.includes('reporter'));
  });
});
