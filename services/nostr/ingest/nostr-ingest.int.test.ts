/**
 * Ingest against a REAL relay (@nostr-relay/core in a child process), real Postgres and the
 * in-process bus. Plus a hostile relay written here (a `ws` server sending forgeries).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../../../libs/bus/index.js';
import { TOPICS, validateEvent, type BridgeEvent } from '../../../libs/events/index.js';
import { NostrRelayPeer, PeerChild, type NostrRelayPeerInfo } from '../../../libs/harness/index.js';
import { rejectedCount, type Logger } from '../../../libs/observability/index.js';
import { getCursor, setCursor } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import type { NostrEvent } from '../mapping/index.js';
import { relayCursorKey } from './constants.js';
import { NostrIngest, type NostrIngestOptions } from './nostr-ingest.js';
import { scriptedRelay } from './scripted-relay.js';
import { copy, newKey, signed } from './test-events.js';

/** The harness relay on a chosen port, so a "crashed" relay can come back at the same URL (in-memory: empty). */
class RelayOnPort extends NostrRelayPeer {
  protected override readonly child: PeerChild<NostrRelayPeerInfo>;
  constructor(port: number) {
    super();
    const moduleUrl = new URL('../../../libs/harness/peers/nostr-relay-peer.js', import.meta.url).href;
    this.child = new PeerChild<NostrRelayPeerInfo>({ name: 'nostr', moduleUrl, config: { port }, startTimeoutMs: 30_000 });
  }
}

const FAST = { baseMs: 50, maxMs: 400, jitter: 0 };
const now = () => Math.floor(Date.now() / 1000);

/** Logger that keeps warnings (to check "rejected: logged once, with the relay URL"). */
function recordingLogger(): Logger & { lines: { msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  const keep = (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields });
  return { lines, debug: () => {}, info: () => {}, warn: keep, error: keep };
}

/**
 * A relay we script: answers every REQ with `events(sub)` then EOSE. For what the harness relay cannot
 * do: forgeries, and kind 5 (@nostr-relay/core 0.0.40 applies a deletion but neither stores nor
 * broadcasts the kind-5 event itself, although NIP-09 says relays SHOULD keep serving it).
 */
describe('NostrIngest against a real relay', { timeout: 120_000 }, () => {
  let store: TestStore;
  let bus: MemoryBus;
  const seen: BridgeEvent[] = [];
  const alice = newKey();
  const proxy = newKey();
  const stranger = newKey();

  const ingest = (relays: string[], extra: Partial<NostrIngestOptions> = {}) =>
    new NostrIngest({ bus, ds: store.ds, readRelays: relays, backoff: FAST, cursorFlushMs: 100, logger: recordingLogger(), ...extra });
  const arrived = (id: string) => seen.filter((e) => e.id === id);
  const waitArrived = (id: string, what: string) => waitFor(() => arrived(id).length > 0, { what, timeoutMs: 15_000 });
  const startRelay = async () => {
    const peer = new NostrRelayPeer();
    await peer.start();
    return peer;
  };
  const publishTo = async (peer: NostrRelayPeer, ev: NostrEvent) => {
    const r = await peer.publish(ev);
    assert.ok(r.accepted, `relay refused ${ev.kind}: ${r.message}`);
  };
  const connected = (ing: NostrIngest, n = 1) => waitFor(() => ing.health().connected >= n, { what: `${n} relay(s) connected` });

  before(async () => {
    store = await createTestStore();
    bus = new MemoryBus();
    await bus.ensureTopics([{ topic: TOPICS.events, partitions: 4 }]);
    await bus.subscribe({
      groupId: 'test-collector',
      topics: [TOPICS.events],
      handleBatch: async (msgs) => {
        for (const m of msgs) {
          const e = validateEvent(JSON.parse(m.value.toString('utf8')));
          assert.equal(m.key, e.actor.id, 'keyed by actor id');
          seen.push(e);
        }
      },
    });
    await seedAccount(store.ds, [{ network: 'nostr', id: alice.pk, kind: 'native' }], { consent: 'opted_in' });
    await seedAccount(store.ds, [{ network: 'activitypub', id: 'https://ap.example/users/bob', kind: 'native' }, { network: 'nostr', id: proxy.pk, kind: 'bridged' }]);
    await seedAccount(store.ds, [{ network: 'nostr', id: stranger.pk, kind: 'native' }], { consent: 'pending' });
  });

  after(async () => {
    await bus.stop();
    await store.drop();
  });

  it('bridges an opted-in author\'s kinds 1, 7, 0, 3 (diff); #p mentions of our proxies; marks our own events as echoes', async () => {
    const relay = await startRelay();
    const ing = ingest([relay.info!.url]);
    try {
      await ing.start();
      assert.equal(ing.verifierEngine, 'wasm');
      await connected(ing);
      const t = now();
      const note = signed(alice, { kind: 1, content: 'hello from nostr #pontis', created_at: t });
      const like = signed(alice, { kind: 7, content: '+', tags: [['e', note.id], ['p', alice.pk]], created_at: t });
      const profile = signed(alice, { kind: 0, content: JSON.stringify({ name: 'alice', about: 'hi' }), created_at: t });
      const x = newKey().pk, y = newKey().pk, z = newKey().pk;
      const list1 = signed(alice, { kind: 3, tags: [['p', x], ['p', y]], created_at: t - 10 });
      const list2 = signed(alice, { kind: 3, tags: [['p', y], ['p', z]], created_at: t });
      const mention = signed(stranger, { kind: 1, content: 'hey you', tags: [['p', proxy.pk]], created_at: t });
      const echo = signed(proxy, { kind: 1, content: 'bridged copy', tags: [['p', proxy.pk]], created_at: t });
      const unwatched = signed(stranger, { kind: 1, content: 'nobody asked', created_at: t });

      for (const ev of [note, like, profile, list1]) await publishTo(relay, ev);
      await waitArrived(`nostr:${list1.id}/follow/${x}`, 'first follow list');
      for (const ev of [list2, mention, echo, unwatched]) await publishTo(relay, ev);
      await waitArrived(`nostr:${echo.id}`, 'echo');
      await waitArrived(`nostr:${list2.id}/unfollow/${x}`, 'unfollow');
      assert.equal(arrived(`nostr:${note.id}`)[0]?.type, 'post.created');
      assert.equal(arrived(`nostr:${note.id}`)[0]?.actor.id, alice.pk);
      assert.equal(arrived(`nostr:${like.id}`)[0]?.type, 'reaction.added');
      assert.equal(arrived(`nostr:${profile.id}`)[0]?.type, 'profile.updated');
      assert.equal(arrived(`nostr:${profile.id}`)[0]?.profile?.summary, 'hi');
      assert.deepEqual(arrived(`nostr:${list1.id}/follow/${y}`).map((e) => e.type), ['follow.created']);
      assert.deepEqual(arrived(`nostr:${list2.id}/follow/${z}`).map((e) => e.type), ['follow.created']);
      assert.deepEqual(arrived(`nostr:${list2.id}/unfollow/${x}`).map((e) => e.subject?.id), [x]);
      assert.equal(arrived(`nostr:${list2.id}/follow/${y}`).length, 0, 'y was already followed');
      assert.equal(arrived(`nostr:${mention.id}`)[0]?.actor.id, stranger.pk, 'a stranger\'s mention of a proxy arrives via #p');
      assert.equal(arrived(`nostr:${mention.id}`)[0]?.trace.bridged, undefined);
      const e = arrived(`nostr:${echo.id}`)[0]!;
      assert.equal(e.trace.bridged, true);
      assert.equal(e.trace.via, 'pontis');
      assert.equal(arrived(`nostr:${unwatched.id}`).length, 0, 'not watched, not mentioning a proxy: never asked for');
      // The latest list is kept in cursors (survives restarts).
      const stored = JSON.parse((await getCursor(store.ds, `nostr:contacts:${alice.pk}`))!) as { id: string; follows: string[] };
      assert.equal(stored.id, list2.id);
      assert.deepEqual(stored.follows.sort(), [y, z].sort());
      // An older list arriving late is not diffed.
      const late = signed(alice, { kind: 3, tags: [['p', x]], created_at: t - 5 });
      await publishTo(relay, late);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(seen.filter((ev) => ev.id.startsWith(`nostr:${late.id}`)).length, 0);
      assert.equal(ing.health().connected, 1);
      assert.equal(ing.health().total, 1);
    } finally {
      await ing.stop();
      await relay.stop();
    }
  });

  it('gives authors readable handles: verified NIP-05, else kind-0 name + npub fingerprint; a stranger\'s name is fetched', async () => {
    const relay = await startRelay();
    const carol = newKey();
    const dave = newKey();
    await seedAccount(store.ds, [{ network: 'nostr', id: carol.pk, kind: 'native' }], { consent: 'opted_in' });
    await seedAccount(store.ds, [{ network: 'nostr', id: dave.pk, kind: 'native' }], { consent: 'opted_in' });
    const checked: string[] = [];
    const ing = ingest([relay.info!.url], {
      // A domain that names carol and nobody else (the HTTP side is nip05-check.test.ts).
      checkNip05: async (address, pubkey) => (checked.push(address), address === 'carol@carol.example' && pubkey === carol.pk ? { ok: true } : { ok: false, reason: 'names another key', transient: false }),
      queryProfiles: (authors) => relay.query({ kinds: [0], authors }),
    });
    try {
      const t = now();
      const stranger2 = newKey();
      // Known before ingest starts: only a query can find the stranger's name.
      await publishTo(relay, signed(stranger2, { kind: 0, content: JSON.stringify({ display_name: 'Zoë Q' }), created_at: t - 100 }));
      await ing.start();
      await connected(ing);
      const carolProfile = signed(carol, { kind: 0, content: JSON.stringify({ name: 'carol', nip05: 'carol@carol.example' }), created_at: t });
      const daveProfile = signed(dave, { kind: 0, content: JSON.stringify({ name: 'Dave Lister', nip05: 'dave@liar.example' }), created_at: t });
      const carolNote = signed(carol, { kind: 1, content: 'hi', created_at: t + 1 });
      const daveNote = signed(dave, { kind: 1, content: 'hi', created_at: t + 1 });
      const strangerReply = signed(stranger2, { kind: 1, content: 'hello proxy', tags: [['p', proxy.pk]], created_at: t + 1 });
      for (const ev of [carolProfile, daveProfile, carolNote, daveNote, strangerReply]) await publishTo(relay, ev);
      for (const ev of [carolNote, daveNote, strangerReply]) await waitArrived(`nostr:${ev.id}`, `note ${ev.id}`);
      assert.equal(arrived(`nostr:${carolProfile.id}`)[0]?.actor.handle, 'carol@carol.example');
      assert.equal(arrived(`nostr:${carolNote.id}`)[0]?.actor.handle, 'carol@carol.example');
      const daveHandle = arrived(`nostr:${daveNote.id}`)[0]?.actor.handle ?? '';
      assert.match(daveHandle, /^dave-lister-npub1[02-9ac-hj-np-z]{8}$/, 'a NIP-05 that does not check out is not used');
      assert.ok(checked.includes('dave@liar.example'));
      assert.match(arrived(`nostr:${strangerReply.id}`)[0]?.actor.handle ?? '', /^zoe-q-npub1/);
      for (const e of seen) assert.doesNotMatch(e.actor.handle ?? '', /[0-9a-f]{64}/, 'never the hex key');
    } finally {
      await ing.stop();
      await relay.stop();
    }
  });

  it("a watched author's kind 10000 mutes become blocks, diffed against the stored list", async () => {
    const relay = await startRelay();
    const ing = ingest([relay.info!.url]);
    try {
      await ing.start();
      await connected(ing);
      const t = now();
      const x = newKey().pk, y = newKey().pk;
      const m1 = signed(alice, { kind: 10000, tags: [['p', x], ['p', y]], created_at: t - 10 });
      const m2 = signed(alice, { kind: 10000, tags: [['p', y]], created_at: t });
      await publishTo(relay, m1);
      await waitArrived(`nostr:${m1.id}/block/${x}`, 'first mute list');
      await publishTo(relay, m2);
      await waitArrived(`nostr:${m2.id}/unblock/${x}`, 'unmute');
      assert.deepEqual(arrived(`nostr:${m1.id}/block/${y}`).map((e) => e.type), ['block.created']);
      assert.equal(arrived(`nostr:${m2.id}/block/${y}`).length, 0, 'y was already muted');
      // The list is saved after its diff is on the bus (contact-lists.ts), so it lands a moment later.
      const storedId = async () => (JSON.parse((await getCursor(store.ds, `nostr:mutes:${alice.pk}`)) ?? '{}') as { id?: string }).id;
      await waitFor(async () => (await storedId()) === m2.id, { what: 'the newer mute list stored' });
    } finally {
      await ing.stop();
      await relay.stop();
    }
  });

  it('a new version of a bridged article (kind 30023) is an edit, not a second post', async () => {
    const relay = await startRelay();
    const ing = ingest([relay.info!.url]);
    try {
      await ing.start();
      await connected(ing);
      const t = now();
      const v1 = signed(alice, { kind: 30023, tags: [['d', 'bridges'], ['title', 'Bridges']], content: 'first version', created_at: t - 10 });
      await publishTo(relay, v1);
      const coordinate = `30023:${alice.pk}:bridges`;
      await waitArrived(`nostr:${v1.id}`, 'the first version');
      assert.equal(arrived(`nostr:${v1.id}`)[0]?.type, 'post.created');
      // What the translator records once it bridged the article.
      await store.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES (gen_random_uuid(), 'nostr', $1, true, 'nostr', $2)`, [coordinate, alice.pk]);
      const v2 = signed(alice, { kind: 30023, tags: [['d', 'bridges'], ['title', 'Bridges']], content: 'second version', created_at: t });
      await publishTo(relay, v2);
      await waitArrived(`nostr:${v2.id}`, 'the second version');
      const edit = arrived(`nostr:${v2.id}`)[0]!;
      assert.equal(edit.type, 'post.updated');
      assert.deepEqual(edit.target, { network: 'nostr', id: coordinate });
    } finally {
      await ing.stop();
      await relay.stop();
    }
  });

  it('publishes an event found on two relays once', async () => {
    const [a, b] = [await startRelay(), await startRelay()];
    const ing = ingest([a.info!.url, b.info!.url]);
    try {
      await ing.start();
      await connected(ing, 2);
      const ev = signed(alice, { kind: 1, content: 'everywhere' });
      await publishTo(a, ev);
      await publishTo(b, ev);
      await waitArrived(`nostr:${ev.id}`, 'the note');
      const marker = signed(alice, { kind: 1, content: 'after' });
      await publishTo(b, marker);
      await waitArrived(`nostr:${marker.id}`, 'a later note on b');
      assert.equal(arrived(`nostr:${ev.id}`).length, 1);
    } finally {
      await ing.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('reconnects after the relay is killed and loses nothing once it is back', async () => {
    let relay: NostrRelayPeer = await startRelay();
    const url = relay.info!.url;
    const port = Number(new URL(url).port);
    const ing = ingest([url]);
    try {
      await ing.start();
      await connected(ing);
      const before = signed(alice, { kind: 1, content: 'before the crash' });
      await publishTo(relay, before);
      await waitArrived(`nostr:${before.id}`, 'note before the crash');
      relay.kill();
      await waitFor(() => ing.health().connected === 0, { what: 'disconnect noticed' });
      relay = new RelayOnPort(port);
      await relay.start();
      assert.equal(relay.info!.url, url);
      // Published while ingest is still backing off: it must come in the backfill after the reconnect.
      const afterCrash = signed(alice, { kind: 1, content: 'while you were away' });
      await publishTo(relay, afterCrash);
      await connected(ing);
      await waitArrived(`nostr:${afterCrash.id}`, 'note published before the reconnect');
      const live = signed(alice, { kind: 1, content: 'live again' });
      await publishTo(relay, live);
      await waitArrived(`nostr:${live.id}`, 'live note after the reconnect');
    } finally {
      await ing.stop();
      await relay.stop();
    }
  });

  it('after a restart, reads what was published while down and nothing from before cursor - overlap', async () => {
    const relay = await startRelay();
    const url = relay.info!.url;
    const t = now();
    await setCursor(store.ds, relayCursorKey(url), String(t - 1000)); // as if it had run before
    const opts = { overlapSeconds: 60 };
    const old1 = signed(alice, { kind: 1, content: 'old one', created_at: t - 400 });
    const old2 = signed(alice, { kind: 1, content: 'old two', created_at: t - 200 });
    const down1 = signed(alice, { kind: 1, content: 'while down 1', created_at: t - 100 });
    const down2 = signed(alice, { kind: 1, content: 'while down 2', created_at: t - 50 });
    const first = ingest([url], opts);
    try {
      await first.start();
      await connected(first);
      await publishTo(relay, old1);
      await publishTo(relay, old2);
      await waitArrived(`nostr:${old2.id}`, 'old two');
      await waitFor(async () => (await getCursor(store.ds, relayCursorKey(url))) === String(t - 200), { what: 'cursor stored at the newest published event' });
    } finally {
      await first.stop();
    }
    await publishTo(relay, down1);
    await publishTo(relay, down2);
    const second = ingest([url], opts);
    try {
      await second.start();
      await waitArrived(`nostr:${down1.id}`, 'first event published while down');
      await waitArrived(`nostr:${down2.id}`, 'second event published while down');
      await waitFor(async () => (await getCursor(store.ds, relayCursorKey(url))) === String(t - 50), { what: 'cursor moved on' });
      assert.equal(arrived(`nostr:${old1.id}`).length, 1, 'older than cursor - overlap: not read again');
      // Inside the overlap (cursor - 60 s) a replay is expected and harmless: the translator drops a known id.
      assert.equal(arrived(`nostr:${old2.id}`).length, 2, 'the cursor event itself is inside the overlap');
      assert.equal(arrived(`nostr:${down1.id}`).length, 1);
      assert.equal(arrived(`nostr:${down2.id}`).length, 1);
    } finally {
      await second.stop();
      await relay.stop();
    }
  });

  it('rejects forged, wrong-id, malformed and unrequested events from a hostile relay, counts them, and keeps the genuine one', async () => {
    const genuine = signed(alice, { kind: 1, content: 'the real one' });
    const wrongId = { ...copy(genuine), content: 'the real one, edited by the relay' };
    const other = signed(alice, { kind: 1, content: 'other' });
    const forged = { ...copy(other), sig: genuine.sig }; // right id, someone else's signature
    const malformed = { id: 'nope', pubkey: alice.pk, kind: 1 };
    const unrequested = signed(newKey(), { kind: 1, content: 'spam from an author we never asked for' });
    const relay = await scriptedRelay((sub) =>
      sub.startsWith('a0:') ? [...[forged, wrongId, malformed, unrequested].map((ev) => ['EVENT', sub, ev]), 'this is not json', ['EVENT', sub, genuine]] : [],
    );
    const url = relay.url;
    const count = (reason: string) => rejectedCount('nostr', reason);
    const reasons = ['bad_signature', 'bad_id', 'malformed', 'unrequested'];
    const base = Object.fromEntries(await Promise.all(reasons.map(async (r) => [r, await count(r)] as const)));
    const logger = recordingLogger();
    const ing = ingest([url], { logger, discoverRelays: false });
    try {
      await ing.start();
      await waitArrived(`nostr:${genuine.id}`, 'the genuine event after the forgeries');
      const delta = Object.fromEntries(await Promise.all(reasons.map(async (r) => [r, (await count(r)) - base[r]!] as const)));
      assert.deepEqual(delta, { bad_signature: 1, bad_id: 1, malformed: 2, unrequested: 1 });
      assert.equal(arrived(`nostr:${other.id}`).length, 0);
      assert.equal(arrived(`nostr:${unrequested.id}`).length, 0);
      const rejected = logger.lines.filter((l) => l.msg === 'nostr event rejected');
      assert.equal(rejected.length, 5, 'each logged once');
      assert.ok(rejected.every((l) => l.fields?.relay === url));
      assert.equal(ing.health().connected, 1, 'the stream went on');
    } finally {
      await ing.stop();
      await relay.close();
    }
  });

  it('maps a kind 5 of the author\'s own note to post.deleted (from a relay that serves deletions)', async () => {
    const note = signed(alice, { kind: 1, content: 'soon gone' });
    const del = signed(alice, { kind: 5, tags: [['e', note.id], ['k', '1']] });
    const relay = await scriptedRelay((sub) => (sub.startsWith('a0:') ? [['EVENT', sub, note], ['EVENT', sub, del]] : []));
    const ing = ingest([relay.url], { discoverRelays: false });
    try {
      await ing.start();
      await waitFor(() => seen.some((e) => e.type === 'post.deleted' && e.target?.id === note.id), { what: 'post.deleted' });
      const d = seen.find((e) => e.type === 'post.deleted' && e.target?.id === note.id)!;
      assert.equal(d.actor.id, alice.pk);
      assert.ok(d.id.startsWith(`nostr:${del.id}`));
    } finally {
      await ing.stop();
      await relay.close();
    }
  });

  it('reads from the NIP-65 write relays of watched authors, found on the configured relays', async () => {
    const [configured, theirs] = [await startRelay(), await startRelay()];
    // Relays listed by people are refused on private addresses (SSRF) unless allowed, as here.
    const guarded = ingest([configured.info!.url]);
    try {
      await publishTo(configured, signed(alice, { kind: 10002, tags: [['r', theirs.info!.url]] }));
      await guarded.start();
      await waitFor(() => guarded.health().total === 1 && guarded.health().connected === 1, { what: 'the configured relay only' });
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(guarded.health().relays.map((r) => r.url), [configured.info!.url], 'the loopback relay from the list is refused');
    } finally {
      await guarded.stop();
    }
    const ing = ingest([configured.info!.url], { allowPrivateAddresses: true });
    try {
      await publishTo(configured, signed(alice, { kind: 10002, tags: [['r', theirs.info!.url], ['r', 'wss://read.example', 'read']] }));
      await ing.start();
      await waitFor(() => ing.health().connected === 2, { what: 'connected to the discovered relay' });
      assert.deepEqual(ing.health().relays.map((r) => r.url).sort(), [configured.info!.url, theirs.info!.url].sort());
      const onlyThere = signed(alice, { kind: 1, content: 'only on my own relay' });
      await publishTo(theirs, onlyThere);
      await waitArrived(`nostr:${onlyThere.id}`, 'note from the discovered relay');
    } finally {
      await ing.stop();
      await Promise.all([configured.stop(), theirs.stop()]);
    }
  });

  it('resubscribes when the watch list changes (someone opts in)', async () => {
    const carol = newKey();
    const accountId = await seedAccount(store.ds, [{ network: 'nostr', id: carol.pk, kind: 'native' }], { consent: 'pending' });
    const relay = await startRelay();
    const ing = ingest([relay.info!.url]);
    try {
      await ing.start();
      await connected(ing);
      const early = signed(carol, { kind: 1, content: 'not opted in yet' });
      await publishTo(relay, early);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(arrived(`nostr:${early.id}`).length, 0);
      await store.ds.query(`UPDATE accounts SET consent = 'opted_in' WHERE id = $1`, [accountId]);
      assert.equal(await ing.refreshWatchList(), true);
      const later = signed(carol, { kind: 1, content: 'opted in now' });
      await publishTo(relay, later);
      await waitArrived(`nostr:${later.id}`, 'note after opting in');
    } finally {
      await ing.stop();
      await relay.stop();
    }
  });
});
