import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { OutboundRunner } from '../../../libs/adapter/index.js';
import { commandFor, Recorder } from '../../../libs/adapter/testing.js';
import { DEAD_LETTER_HEADERS, MemoryBus } from '../../../libs/bus/index.js';
import { AddressGuard } from '../../../libs/net/index.js';
import { eventFixture, outboundTopic, parkedTopic, TOPICS, type BridgeEvent, type OutboundCommand, type Receipt } from '../../../libs/events/index.js';
import { NostrRelayPeer, PeerChild } from '../../../libs/harness/index.js';
import { parseMasterKey, SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import { NostrKeys } from '../identity/index.js';
import { KIND, type NostrEvent } from '../mapping/index.js';
import { jsVerifier } from '../ingest/index.js';
import { InboxRelays } from './inbox-relays.js';
import { NostrDeliverer } from './nostr-deliverer.js';
import { NostrProvisioner } from './provision.js';
import { RelayPublisher } from './relay-publisher.js';

// The real relay (child process), Postgres on 127.0.0.1:5432, the in-process bus.

/** The harness relay on a port we choose, so a "restarted" relay is at the same URL. */
class RelayOnPort extends NostrRelayPeer {
  constructor(private readonly port: number) {
    super();
  }
  protected override readonly child = new PeerChild<{ url: string }>({
    name: 'nostr',
    moduleUrl: new URL('../../../libs/harness/peers/nostr-relay-peer.js', import.meta.url).href,
    startTimeoutMs: 30_000,
    config: { port: this.port },
  });
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const ALICE = 'https://mastodon.example/users/alice';
const BOB = 'https://mastodon.example/users/bob';

function post(n: string, actor = ALICE, text?: string): BridgeEvent {
  const e = eventFixture('post.created');
  e.source.id = `${actor}/statuses/${n}`;
  e.source.url = e.source.id;
  e.id = `activitypub:${e.source.id}`;
  e.actor = { network: 'activitypub', id: actor, handle: `@${actor.split('/').pop()}@mastodon.example` };
  e.object!.facets = [];
  e.object!.attachments = [];
  e.object!.text = text ?? `hello ${n}`;
  e.object!.html = undefined;
  return e;
}

describe('Nostr publishing through the outbound runner (real relay)', { timeout: 120_000 }, () => {
  let s: TestStore;
  let bus: MemoryBus;
  let relay: RelayOnPort;
  /** A Nostr person's own relay, named as their read relay in their NIP-65 list on the bridge relay. */
  let theirRelay: NostrRelayPeer;
  let rec: Recorder;
  let runner: OutboundRunner;
  let publisher: RelayPublisher;
  let keys: NostrKeys;
  let alice: string;
  let bob: string;
  let url: string;
  const corrupt = new Set<string>();

  const send = (cmds: OutboundCommand[]) => bus.publish(outboundTopic('nostr'), cmds.map((c) => ({ key: c.as.accountId, value: JSON.stringify(c) })));
  const receipts = (id: string) => rec.json<Receipt>(TOPICS.receipts).filter((r) => r.commandId === id);
  const ledger = async (id: string) => (await s.ds.query(`SELECT * FROM deliveries WHERE command_id = $1`, [id]))[0];
  const pubkeyOf = async (account: string): Promise<string> =>
    (await s.ds.query(`SELECT native_id FROM identities WHERE account_id = $1 AND network = 'nostr'`, [account]))[0]?.native_id;
  /** What the translator would have written for an original (its owner lets the deliverer find authors). */
  const original = (e: BridgeEvent, objectKey: string) =>
    s.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES ($1, 'activitypub', $2, true, 'activitypub', $3) ON CONFLICT DO NOTHING`, [
      objectKey,
      e.source.id,
      e.actor.id,
    ]);

  before(async () => {
    s = await createTestStore();
    const port = await freePort();
    relay = new RelayOnPort(port);
    url = (await relay.start()).url;
    theirRelay = new NostrRelayPeer();
    await theirRelay.start();
    bus = new MemoryBus({ backoff: { baseMs: 20, maxMs: 200, jitter: 0 } });
    await bus.start();
    await bus.ensureTopics([outboundTopic('nostr'), parkedTopic('nostr'), TOPICS.receipts, TOPICS.deadLetter].map((topic) => ({ topic, partitions: 2 })));
    rec = await Recorder.on(bus, [TOPICS.receipts, TOPICS.deadLetter]);
    keys = new NostrKeys(s.ds, new SecretBox([{ version: 1, key: parseMasterKey(randomBytes(32).toString('base64')) }]));
    publisher = new RelayPublisher({ publishRelays: [url], okTimeoutMs: 2_000, connectTimeoutMs: 1_000, backoff: { baseMs: 50, maxMs: 400, jitter: 0 } });
    const provisioner = new NostrProvisioner({ ds: s.ds, keys, publisher, nip05Domain: 'bridge.test' });
    const verifier = jsVerifier();
    const inboxes = new InboxRelays({
      query: (f, others) => publisher.queryMany(f, others, 2_000),
      indexRelays: [],
      verify: (raw) => verifier.verify(raw).ok,
      guard: new AddressGuard({ allowPrivate: true }),
    });
    const deliverer = new NostrDeliverer({
      ds: s.ds,
      keys,
      publisher,
      provisioner,
      inboxes,
      // A test-only signer: events whose text asks for it get a broken signature, which the relay refuses.
      sign: (t, sk) => {
        const ev = finalizeEvent(t, sk) as NostrEvent;
        return [...corrupt].some((m) => t.content.includes(m)) ? { ...ev, sig: '0'.repeat(128) } : ev;
      },
    });
    alice = await seedAccount(s.ds, [{ network: 'activitypub', id: ALICE, handle: '@alice@mastodon.example', kind: 'native' }]);
    bob = await seedAccount(s.ds, [{ network: 'activitypub', id: BOB, handle: '@bob@mastodon.example', kind: 'native' }]);
    runner = new OutboundRunner({
      bus,
      ds: s.ds,
      network: 'nostr',
      deliver: deliverer.deliver,
      policy: { initialDelayMs: 100, factor: 2, maxDelayMs: 400, maxAttempts: 100, maxElapsedMs: 120_000, jitter: 0 },
      inlineBudgetMs: 150,
      partitions: 2,
    });
    await runner.start();
  });
  after(async () => {
    await runner?.stop();
    publisher?.close();
    await rec?.stop();
    await bus?.stop();
    await relay?.stop();
    await theirRelay?.stop();
    await s?.drop();
  });

  let postCmd: OutboundCommand;
  let copyId: string;

  it('provisions the identity, publishes a signed kind 1 with the proxy tag, records ledger, receipt and copy', async () => {
    const e = post('1');
    postCmd = commandFor(e, 'nostr', alice);
    await original(e, postCmd.objectKey);
    await send([postCmd]);
    await waitFor(() => receipts(postCmd.id).length === 1, { what: 'receipt', timeoutMs: 15_000 });
    const receipt = receipts(postCmd.id)[0]!;
    assert.equal(receipt.status, 'delivered');
    copyId = receipt.ref!.id;

    const pubkey = await pubkeyOf(alice);
    assert.match(pubkey, /^[0-9a-f]{64}$/, 'provisioning made the pubkey the native id');
    const [note] = await relay.query({ ids: [copyId] });
    assert.ok(note, 'the note is on the relay');
    assert.equal(note.kind, 1);
    assert.equal(note.pubkey, pubkey);
    assert.deepEqual(note.tags.find((t) => t[0] === 'proxy'), ['proxy', e.source.id, 'activitypub']);
    assert.match(note.content, /hello 1/);

    const [profile] = await relay.query({ authors: [pubkey], kinds: [0] });
    const meta = JSON.parse(profile!.content);
    assert.equal(meta.bot, true);
    assert.equal(meta.nip05, 'alice_at_mastodon.example@bridge.test');
    const [relays] = await relay.query({ authors: [pubkey], kinds: [KIND.relayList] });
    assert.deepEqual(relays!.tags, [['r', url]]);
    const [handle] = await s.ds.query(`SELECT handle, kind FROM identities WHERE native_id = $1`, [pubkey]);
    assert.deepEqual(handle, { handle: 'alice_at_mastodon.example@bridge.test', kind: 'bridged' });

    const row = await ledger(postCmd.id);
    assert.equal(row.status, 'delivered');
    assert.equal(row.native_id, copyId);
    const [copy] = await s.ds.query(`SELECT object_key, is_original FROM object_map WHERE network = 'nostr' AND native_id = $1`, [copyId]);
    assert.deepEqual(copy, { object_key: postCmd.objectKey, is_original: false });
  });

  it('a replayed command publishes nothing new and re-publishes its receipt', async () => {
    await send([postCmd]);
    await waitFor(() => receipts(postCmd.id).length === 2, { what: 'second receipt' });
    const notes = await relay.query({ authors: [await pubkeyOf(alice)], kinds: [1] });
    assert.equal(notes.length, 1);
    assert.deepEqual(receipts(postCmd.id)[1]!.ref, receipts(postCmd.id)[0]!.ref);
    // Provisioning is idempotent too: same identity, no second profile.
    assert.equal((await new NostrProvisioner({ ds: s.ds, keys, publisher, nip05Domain: 'bridge.test' }).provisionIdentity(alice)).pubkey, await pubkeyOf(alice));
    assert.equal((await relay.query({ authors: [await pubkeyOf(alice)], kinds: [0] })).length, 1);
  });

  it('a reaction and a deletion point at the copy through the mapped refs', async () => {
    const like = eventFixture('reaction.added');
    Object.assign(like, { id: 'activitypub:https://mastodon.example/likes/1', actor: { network: 'activitypub', id: ALICE }, trace: { origin: 'activitypub', hops: 0 } });
    like.source = { network: 'activitypub', id: 'https://mastodon.example/likes/1' };
    like.target = { network: 'activitypub', id: postCmd.event.source.id };
    const likeCmd = commandFor(like, 'nostr', alice, { refs: { target: { network: 'nostr', id: copyId, original: false } } });

    const del = eventFixture('post.deleted');
    Object.assign(del, { id: `activitypub:${postCmd.event.source.id}#delete`, actor: { network: 'activitypub', id: ALICE }, trace: { origin: 'activitypub', hops: 0 } });
    del.source = { network: 'activitypub', id: `${postCmd.event.source.id}#delete` };
    del.target = { network: 'activitypub', id: postCmd.event.source.id };
    const delCmd = commandFor(del, 'nostr', alice, { objectKey: postCmd.objectKey, refs: { target: { network: 'nostr', id: copyId, original: false } } });

    await send([likeCmd, delCmd]);
    await waitFor(() => receipts(delCmd.id).length === 1, { what: 'delete receipt' });
    const pubkey = await pubkeyOf(alice);
    const likeId = receipts(likeCmd.id)[0]!.ref!.id;
    const [reaction] = await relay.query({ ids: [likeId] });
    assert.equal(reaction!.kind, 7);
    assert.deepEqual(reaction!.tags.find((t) => t[0] === 'e'), ['e', copyId, url, pubkey], 'e tag with relay hint and author');
    assert.deepEqual(reaction!.tags.find((t) => t[0] === 'p'), ['p', pubkey]);

    assert.equal(receipts(delCmd.id)[0]!.ref, undefined, 'a delete leaves no copy to map');
    assert.equal(receipts(delCmd.id)[0]!.status, 'delivered');
    assert.equal(receipts(delCmd.id)[0]!.reason, undefined, 'rendered and published, not skipped');
    // @nostr-relay/core applies a kind 5 (deletes what its e tags name, same author only) instead of storing it:
    // the copy being gone shows the deletion named the right event and was signed by its author.
    // (The relay answers OK before its delete commits, hence the wait.)
    await waitFor(async () => (await relay.query({ ids: [copyId] })).length === 0, { what: 'the copy deleted on the relay', timeoutMs: 5_000 });
  });

  it("a reaction to a Nostr person's note also goes to their NIP-65 read relays, never to private ones unless allowed", async () => {
    const bobSk = generateSecretKey();
    const bobPk = getPublicKey(bobSk);
    const now = Math.floor(Date.now() / 1000);
    const theirUrl = theirRelay.info!.url;
    const list = finalizeEvent({ kind: KIND.relayList, created_at: now, tags: [['r', theirUrl, 'read'], ['r', 'wss://write-only.example', 'write']], content: '' }, bobSk);
    const note = finalizeEvent({ kind: 1, created_at: now, tags: [], content: 'a note by a Nostr person' }, bobSk);
    for (const e of [list, note]) assert.ok((await relay.publish(e)).accepted);
    const objectKey = randomUUID();
    await s.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES ($1, 'nostr', $2, true, 'nostr', $3)`, [objectKey, note.id, bobPk]);

    const like = eventFixture('reaction.added');
    Object.assign(like, { id: 'activitypub:https://mastodon.example/likes/inbox-1', actor: { network: 'activitypub', id: ALICE }, trace: { origin: 'activitypub', hops: 0 } });
    like.source = { network: 'activitypub', id: 'https://mastodon.example/likes/inbox-1' };
    like.target = { network: 'nostr', id: note.id };
    const likeCmd = commandFor(like, 'nostr', alice, { refs: { target: { network: 'nostr', id: note.id, original: true } } });
    await send([likeCmd]);
    await waitFor(() => receipts(likeCmd.id).length === 1, { what: 'reaction receipt' });
    const reactionId = receipts(likeCmd.id)[0]!.ref!.id;
    const [there] = await waitFor(async () => {
      const found = await theirRelay.query({ ids: [reactionId] });
      return found.length ? found : false;
    }, { what: "the reaction on the person's read relay", timeoutMs: 5_000 });
    assert.deepEqual(there!.tags.find((t) => t[0] === 'p'), ['p', bobPk]);
    assert.equal((await relay.query({ ids: [reactionId] })).length, 1, 'and on the bridge relay');

    // The same list seen by a deployment that refuses private addresses: the loopback relay is dropped.
    const strict = new InboxRelays({
      query: (f, others) => publisher.queryMany(f, others, 2_000),
      indexRelays: [],
      verify: () => true,
      guard: new AddressGuard({ allowPrivate: false }),
    });
    assert.deepEqual(await strict.forPubkeys([bobPk]), []);
    // A forged list (bad signature) served by a relay is not believed.
    const forgedBy = new InboxRelays({
      query: async () => [{ ...JSON.parse(JSON.stringify(list)), sig: '0'.repeat(128) }],
      indexRelays: [],
      verify: (raw) => jsVerifier().verify(raw).ok,
      guard: new AddressGuard({ allowPrivate: true }),
    });
    assert.deepEqual(await forgedBy.forPubkeys([bobPk]), []);
  });

  it('relay down: the command is parked, retried with backoff, and delivered once the relay is back', async () => {
    await relay.stop();
    const e = post('2');
    const cmd = commandFor(e, 'nostr', alice);
    await send([cmd]);
    await waitFor(async () => (await ledger(cmd.id))?.status === 'failed', { what: 'parked', timeoutMs: 15_000 });
    const parked = await ledger(cmd.id);
    assert.ok(parked.next_attempt_at);
    assert.match(parked.last_error, /transient/);
    relay = new RelayOnPort(Number(new URL(url).port));
    await relay.start();
    await waitFor(() => receipts(cmd.id).length === 1, { what: 'delivered after the relay came back', timeoutMs: 20_000 });
    const row = await ledger(cmd.id);
    assert.equal(row.status, 'delivered');
    assert.ok(row.attempts >= 2, `retried (${row.attempts} attempts)`);
    assert.equal((await relay.query({ ids: [row.native_id] })).length, 1);
  });

  it('a permanent rejection is dead with the reason, and other accounts still get delivered', async () => {
    corrupt.add('CORRUPT-ME');
    const bad = commandFor(post('3', ALICE, 'CORRUPT-ME please'), 'nostr', alice);
    const good = commandFor(post('4', BOB), 'nostr', bob);
    await send([bad, good]);
    await waitFor(() => receipts(bad.id).length && receipts(good.id).length, { what: 'both receipts', timeoutMs: 15_000 });
    const dead = await ledger(bad.id);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, 1, 'never retried');
    assert.match(dead.last_error, /invalid: signature is wrong/);
    assert.equal(receipts(bad.id)[0]!.status, 'dead');
    const letter = rec.messages.find((m) => m.topic === TOPICS.deadLetter && m.value.toString().includes(bad.eventId));
    assert.match(letter?.headers[DEAD_LETTER_HEADERS.reason] ?? '', /permanent failure: permanent \[invalid\]/);
    const [{ n }] = await s.ds.query(`SELECT count(*)::int AS n FROM object_map WHERE object_key = $1 AND network = 'nostr'`, [bad.objectKey]);
    assert.equal(n, 0, 'the pre-recorded copy was removed');

    assert.equal(receipts(good.id)[0]!.status, 'delivered');
    const [note] = await relay.query({ ids: [receipts(good.id)[0]!.ref!.id] });
    assert.equal(note!.pubkey, await pubkeyOf(bob));
  });
});
