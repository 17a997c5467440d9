import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { BackfillRunner, startBackfill } from '../../../libs/backfill/index.js';
import { backfillRig, dyingBus, type BackfillRig } from '../../../libs/backfill/testing.js';
import { TOPICS } from '../../../libs/events/index.js';
import { NostrRelayPeer } from '../../../libs/harness/index.js';
import { AddressGuard } from '../../../libs/net/index.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import { jsVerifier } from '../ingest/index.js';
import { KIND, toEvents, type NostrEvent } from '../mapping/index.js';
import { RelayPublisher } from '../publish/index.js';
import { NostrBackfillSource } from './nostr-backfill-source.js';

// Two real relays (child processes): the bridge's read relay and Alice's own write relay (NIP-65),
// Kafka on 127.0.0.1:9092 under a topic prefix, Postgres on 127.0.0.1:5432, the real translator.

describe('Nostr backfill: a person’s last notes and their thread roots, through the translator', { timeout: 180_000 }, () => {
  const readRelay = new NostrRelayPeer();
  const aliceRelay = new NostrRelayPeer();
  const alice = generateSecretKey();
  const bob = generateSecretKey();
  const verifier = jsVerifier();
  let rig: BackfillRig;
  let publisher: RelayPublisher;
  let source: NostrBackfillSource;
  let aliceAccount: string;
  const notes: Record<string, NostrEvent> = {};
  const now = Math.floor(Date.now() / 1000);

  const sign = (key: Uint8Array, content: string, at: number, tags: string[][] = [], kind: number = KIND.note) =>
    finalizeEvent({ kind, created_at: at, tags, content }, key) as unknown as NostrEvent;

  before(async () => {
    const [read, own] = await Promise.all([readRelay.start(), aliceRelay.start()]);
    rig = await backfillRig('nostr');
    // Bob's post on the read relay; Alice's relay list there names her own relay, where her notes are.
    notes.root = sign(bob, 'bob starts a thread', now - 600);
    notes.list = sign(alice, '', now - 700, [['r', own.url, 'write']], KIND.relayList);
    for (const e of [notes.root, notes.list]) assert.ok((await readRelay.publish(e)).accepted);
    notes.p0 = sign(alice, 'alice 0: too old for the backfill', now - 500);
    notes.p1 = sign(alice, 'alice 1', now - 400);
    notes.reply = sign(alice, 'alice replies to bob', now - 300, [['e', notes.root.id, '', 'root'], ['p', getPublicKey(bob)]]);
    notes.p2 = sign(alice, 'alice 2', now - 200);
    notes.p3 = sign(alice, 'alice 3', now - 100);
    for (const k of ['p0', 'p1', 'reply', 'p2', 'p3']) assert.ok((await aliceRelay.publish(notes[k]!)).accepted, k);

    aliceAccount = await seedAccount(rig.store.ds, [{ network: 'nostr', id: getPublicKey(alice), kind: 'native' }]);
    await seedAccount(rig.store.ds, [{ network: 'nostr', id: getPublicKey(bob), kind: 'native' }]);
    publisher = new RelayPublisher({ publishRelays: [read.url] });
    source = new NostrBackfillSource({ query: (f, others) => publisher.queryMany(f, others), readRelays: [read.url], verify: (raw) => verifier.verify(raw).ok, guard: new AddressGuard({ allowPrivate: true }) });
  });

  after(async () => {
    publisher?.close();
    await rig?.close();
    await Promise.all([readRelay.stop(), aliceRelay.stop()]);
  });

  it('fetches through the relay list, oldest first, and maps like live ingest', async () => {
    const posts = await source.latestPosts(getPublicKey(alice), 4);
    assert.deepEqual(new Set(posts.map((p) => p.id)), new Set(['p1', 'reply', 'p2', 'p3'].map((k) => `nostr:${notes[k]!.id}`)));
    const live = toEvents(notes.p1!, {}).events[0]!;
    assert.equal(posts.find((p) => p.id === live.id)?.source.id, live.source.id, 'same event id as live ingest');
    assert.equal((await source.post({ network: 'nostr', id: notes.root!.id }))?.id, `nostr:${notes.root!.id}`);
    assert.equal(await source.post({ network: 'nostr', id: 'f'.repeat(64) }), undefined);
  });

  it('publishes the posts and the reply’s root once each, resumes after its owner dies, and counts outcomes', async () => {
    // p1 was bridged live before Alice asked: the backfill must not double it.
    const live = toEvents(notes.p1!, {}).events[0]!;
    await rig.bus.publish(TOPICS.events, [{ key: live.actor.id, value: JSON.stringify(live) }]);
    await waitFor(() => rig.delivered.get('atproto')!.some((c) => c.eventId === live.id), { what: 'p1 bridged live' });

    const first = await startBackfill(rig.store.ds, { accountId: aliceAccount, count: 4 });
    assert.ok(first.ok && first.created);
    const again = await startBackfill(rig.store.ds, { accountId: aliceAccount, network: 'nostr', count: 9 });
    assert.ok(again.ok && !again.created && again.job.id === first.job.id, 'a running job is the answer to a second request');
    assert.deepEqual(await startBackfill(rig.store.ds, { accountId: aliceAccount, count: 201 }), { ok: false, status: 400, reason: 'backfill count must be a whole number from 1 to 200' });

    // The first owner publishes one chunk and dies; its lease runs out and another runner resumes.
    const dying = dyingBus(rig.bus, 1);
    const doomed = new BackfillRunner({ ds: rig.store.ds, bus: dying.bus, source, chunk: 1, leaseMs: 1_500 });
    const stuck = doomed.runOnce().catch(() => undefined);
    await waitFor(async () => (await rig.store.ds.query(`SELECT count(*)::int AS n FROM backfill_items WHERE published_at IS NOT NULL`))[0].n === 1, { what: 'first item published' });
    const heir = new BackfillRunner({ ds: rig.store.ds, bus: rig.bus, source, pollMs: 200, leaseMs: 1_500 });
    heir.start();
    try {
      const job = await rig.waitJob(first.job.id, (j) => j.settled, 'backfill settled');
      assert.equal(job.state, 'done');
      assert.deepEqual({ found: job.found, bridged: job.bridged, skipped: job.skipped, failed: job.failed }, { found: 5, bridged: 5, skipped: 0, failed: 0 });
      assert.ok(job.startedAt && job.finishedAt);
    } finally {
      await heir.stop();
      dying.release();
      await stuck;
    }
    const expected = ['p1', 'root', 'reply', 'p2', 'p3'].map((k) => `nostr:${notes[k]!.id}`);
    for (const network of ['activitypub', 'atproto', 'solid'] as const) {
      const ids = rig.delivered.get(network)!.map((c) => c.eventId);
      assert.deepEqual(ids, expected, `${network}: each once, p1 from live ingest, the root before the reply, oldest first`);
      const reply = rig.delivered.get(network)!.find((c) => c.eventId === `nostr:${notes.reply!.id}`)!;
      assert.equal(reply.refs.replyTo?.id, `copy:nostr:${notes.root!.id}>${network}`, `${network}: the reply points at the root's copy`);
    }
    assert.ok(!rig.delivered.get('atproto')!.some((c) => c.eventId === `nostr:${notes.p0!.id}`), 'only the last 4 of Alice’s posts');
    const rows: { state: string; attempts: number }[] = await rig.store.ds.query(`SELECT state, attempts FROM backfill_jobs`);
    assert.deepEqual(rows, [{ state: 'done', attempts: 2 }], 'claimed twice: by the owner that died, then by its heir');
    const next = await startBackfill(rig.store.ds, { accountId: aliceAccount, count: 2 });
    assert.ok(next.ok && next.created, 'once finished, a new request is a new job');
  });
});
