import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AtpAgent } from '@atproto/api';
import { Recorder } from '../../../libs/adapter/testing.js';
import { MemoryBus } from '../../../libs/bus/index.js';
import { TOPICS, validateEvent, type BridgeEvent } from '../../../libs/events/index.js';
import { AtprotoPeer, type AtprotoAccount } from '../../../libs/harness/index.js';
import { registry } from '../../../libs/observability/index.js';
import { getCursor } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import { newRotationKey, signOperation, type PlcOperation } from '../identity/plc-operations.js';
import { FirehoseIngest } from './firehose-ingest.js';

// The real PDS's own subscribeRepos (dev-env, child process), Postgres, the in-process bus.

const POST = 'app.bsky.feed.post';

describe('AT Protocol firehose ingest (real PDS + PLC)', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: AtprotoPeer;
  let bus: MemoryBus;
  let rec: Recorder;
  let ingest: FirehoseIngest;
  let bob: AtprotoAccount;
  let carol: AtprotoAccount;
  let ours: AtprotoAccount;
  let bobAgent: AtpAgent;
  let service: string;
  let plcUrl: string;
  let pdsUrl: string;

  const events = () => rec.json<BridgeEvent>(TOPICS.events);
  const make = () => new FirehoseIngest({ bus, ds: s.ds, service, plcUrl, blobUrl: (did, cid) => `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`, cursorName: 'atproto.firehose:test', watchRefreshMs: 200, allowPrivateAddresses: false, pdsUrl });
  const post = async (agent: AtpAgent, did: string, text: string, extra: Record<string, unknown> = {}) =>
    (await agent.com.atproto.repo.createRecord({ repo: did, collection: POST, record: { $type: POST, text, createdAt: new Date().toISOString(), ...extra } })).data;
  const metric = async (name: string, label: string) => Number((await registry.getSingleMetricAsString(name)).match(new RegExp(`${label}"} (\\d+)`))?.[1] ?? 0);

  before(async () => {
    s = await createTestStore();
    peer = new AtprotoPeer();
    const info = await peer.start();
    pdsUrl = info.pdsUrl;
    plcUrl = info.plcUrl;
    service = info.pdsUrl.replace(/^http/, 'ws');
    bob = await peer.createAccount({ handle: 'bob-ingest.test', email: 'bob@ingest.example', password: 'bob-pass-123' });
    carol = await peer.createAccount({ handle: 'carol-ingest.test', email: 'carol@ingest.example', password: 'carol-pass-123' });
    ours = await peer.createAccount({ handle: 'ours-ap.test', email: 'ours@ingest.example', password: 'ours-pass-123' });
    bobAgent = await peer.login(bob.handle, bob.password);
    await seedAccount(s.ds, [{ network: 'atproto', id: bob.did, handle: bob.handle, kind: 'native' }]);
    await seedAccount(s.ds, [
      { network: 'activitypub', id: 'https://mastodon.example/users/ours', kind: 'native' },
      { network: 'atproto', id: ours.did, handle: ours.handle, kind: 'bridged' },
    ]);
    await seedAccount(s.ds, [{ network: 'atproto', id: carol.did, handle: carol.handle, kind: 'native' }], { consent: 'pending' });
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics([{ topic: TOPICS.events, partitions: 2 }]);
    rec = await Recorder.on(bus, [TOPICS.events]);
    ingest = make();
    await ingest.start();
  });

  after(async () => {
    await ingest?.stop().catch(() => undefined);
    await rec?.stop();
    await bus?.stop();
    await peer?.stop();
    await s?.drop();
  });

  let first: { uri: string; cid: string };

  it('a watched person\'s post, reply, like, repost, follow and profile arrive as valid events, in order', async () => {
    first = await post(bobAgent, bob.did, 'hello 👨‍👩‍👧 #pontis https://example.com', {
      facets: [
        { index: { byteStart: 25, byteEnd: 32 }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'pontis' }] },
        { index: { byteStart: 33, byteEnd: 52 }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com' }] },
      ],
      langs: ['en'],
    });
    const reply = await post(bobAgent, bob.did, 'a reply', { reply: { root: first, parent: first } });
    const repo = bobAgent.com.atproto.repo;
    const now = () => new Date().toISOString();
    await repo.createRecord({ repo: bob.did, collection: 'app.bsky.feed.like', record: { $type: 'app.bsky.feed.like', subject: first, createdAt: now() } });
    await repo.createRecord({ repo: bob.did, collection: 'app.bsky.feed.repost', record: { $type: 'app.bsky.feed.repost', subject: reply, createdAt: now() } });
    await repo.createRecord({ repo: bob.did, collection: 'app.bsky.graph.follow', record: { $type: 'app.bsky.graph.follow', subject: carol.did, createdAt: now() } });
    await repo.putRecord({ repo: bob.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: { $type: 'app.bsky.actor.profile', displayName: 'Bob', description: 'on Bluesky' } });
    const got = await waitFor(() => events().length >= 6 && events(), { what: 'six events', timeoutMs: 20_000 });
    for (const e of got) validateEvent(e);
    assert.deepEqual(got.map((e) => e.type), ['post.created', 'post.created', 'reaction.added', 'repost.created', 'follow.created', 'profile.updated']);
    const [p, r, l, , f, prof] = got;
    assert.equal(p!.source.cid, first.cid);
    assert.deepEqual(p!.object!.facets.map((x) => p!.object!.text.slice(x.start, x.end)), ['#pontis', 'https://example.com']);
    assert.equal(p!.actor.handle, 'bob-ingest.test');
    assert.deepEqual(r!.object!.replyTo, { network: 'atproto', id: first.uri, cid: first.cid });
    assert.deepEqual(l!.target, { network: 'atproto', id: first.uri, cid: first.cid });
    assert.equal(f!.subject!.id, carol.did);
    assert.equal(prof!.profile!.displayName, 'Bob');
  });

  it('deletes come without the record: the kept (did, collection, rkey) gives the unfollow its subject', async () => {
    const before = events().length;
    const follows = await bobAgent.com.atproto.repo.listRecords({ repo: bob.did, collection: 'app.bsky.graph.follow' });
    const rkey = follows.data.records[0]!.uri.split('/').pop()!;
    await bobAgent.com.atproto.repo.deleteRecord({ repo: bob.did, collection: 'app.bsky.graph.follow', rkey });
    await bobAgent.com.atproto.repo.deleteRecord({ repo: bob.did, collection: POST, rkey: first.uri.split('/').pop()! });
    const got = await waitFor(() => events().length >= before + 2 && events().slice(before), { what: 'two delete events', timeoutMs: 20_000 });
    assert.deepEqual(got.map((e) => e.type), ['follow.deleted', 'post.deleted']);
    assert.equal(got[0]!.subject!.id, carol.did);
    assert.equal(got[1]!.target!.id, first.uri);
  });

  it('unwatched people, people not opted in, and our own bridged accounts are not bridged (echo)', async () => {
    const before = events().length;
    const echoes = await metric('pontis_atproto_firehose_events_total', 'outcome="unwatched');
    await post(await peer.login(carol.handle, carol.password), carol.did, 'not opted in');
    await post(await peer.login(ours.handle, ours.password), ours.did, 'our own copy');
    const marker = await post(bobAgent, bob.did, 'marker');
    await waitFor(() => events().some((e) => e.source.id === marker.uri), { what: 'the marker', timeoutMs: 20_000 });
    assert.deepEqual(events().slice(before).map((e) => e.source.id), [marker.uri]);
    assert.ok((await metric('pontis_atproto_firehose_events_total', 'outcome="unwatched')) >= echoes + 2);
  });

  it('a malformed record is rejected with a counted reason and the stream goes on', async () => {
    const before = events().length;
    const rejected = await metric('pontis_rejected_input_total', 'network="atproto",reason="invalid_record');
    // validate: false makes the PDS store what its lexicon forbids, as a buggy client could.
    await bobAgent.com.atproto.repo.createRecord({ repo: bob.did, collection: POST, validate: false, record: { $type: POST, text: 'x'.repeat(400), createdAt: 'yesterday' } });
    const after = await post(bobAgent, bob.did, 'after the bad one');
    await waitFor(() => events().some((e) => e.source.id === after.uri), { what: 'the next post', timeoutMs: 20_000 });
    assert.equal(events().length, before + 1);
    assert.equal(await metric('pontis_rejected_input_total', 'network="atproto",reason="invalid_record'), rejected + 1);
  });

  it('a commit whose signature does not match the DID\'s key is rejected with a counted reason; the stream goes on', async () => {
    // A watched account whose DID we can rotate: created with our key as recoveryKey (first rotation key).
    const rot = newRotationKey();
    const res = await fetch(`${pdsUrl}/xrpc/com.atproto.server.createAccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'mallory-ingest.test', email: 'mallory@ingest.example', password: 'mallory-pass-1', recoveryKey: rot.didKey }),
    });
    const mallory = (await res.json()) as { did: string };
    assert.equal(res.status, 200, JSON.stringify(mallory));
    await seedAccount(s.ds, [{ network: 'atproto', id: mallory.did, handle: 'mallory-ingest.test', kind: 'native' }]);
    await ingest.watch.refresh();
    // Point the DID document's signing key elsewhere: the PDS still signs with its own key, so every
    // commit of this repo now carries a signature the DID does not vouch for.
    const audit = (await (await fetch(`${plcUrl}/${mallory.did}/log/audit`)).json()) as { cid: string; operation: PlcOperation }[];
    const { sig: _s, ...last } = audit.at(-1)!.operation;
    const update = signOperation({ ...last, verificationMethods: { atproto: newRotationKey().didKey }, prev: audit.at(-1)!.cid }, rot.pkcs8);
    assert.equal((await fetch(`${plcUrl}/${mallory.did}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) })).status, 200);
    const agent = await peer.login('mallory-ingest.test', 'mallory-pass-1');
    // A PDS announces a changed DID document with #identity; the ingest caches documents (as every
    // consumer at firehose rates must) and refreshes one on its #identity. Here the change was made
    // at the directory behind the PDS's back, so a handle change through the PDS (which keeps the
    // disowned key in the document) is that announcement.
    await agent.com.atproto.identity.updateHandle({ handle: 'mallory2-ingest.test' });
    const badBefore = await metric('pontis_rejected_input_total', 'network="atproto",reason="bad_commit');
    const before = events().length;
    await post(agent, mallory.did, 'signed by a key the DID disowned');
    const next = await post(bobAgent, bob.did, 'after the forged one');
    await waitFor(() => events().some((e) => e.source.id === next.uri), { what: 'the next post', timeoutMs: 20_000 });
    // Another repo's queue: the forged commit's verification (with a key refresh) may finish after bob's post.
    await waitFor(async () => (await metric('pontis_rejected_input_total', 'network="atproto",reason="bad_commit')) > badBefore, { what: 'the rejection to be counted', timeoutMs: 20_000 });
    await ingest.drain();
    assert.deepEqual(events().slice(before).map((e) => e.source.id), [next.uri], 'the forged commit produced nothing');
  });

  it('a consumer killed mid-stream resumes from its cursor: nothing lost, nothing doubled', async () => {
    await ingest.drain();
    await ingest.kill();
    const seen = new Set(events().map((e) => e.id));
    const cursorAtKill = await getCursor(s.ds, 'atproto.firehose:test');
    assert.ok(cursorAtKill, 'a cursor was saved');
    const written: string[] = [];
    for (let i = 0; i < 5; i++) written.push((await post(bobAgent, bob.did, `while down ${i}`)).uri);
    ingest = make();
    await ingest.start();
    for (let i = 5; i < 8; i++) written.push((await post(bobAgent, bob.did, `after restart ${i}`)).uri);
    await waitFor(() => written.every((u) => events().some((e) => e.source.id === u)), { what: 'all eight posts', timeoutMs: 30_000 });
    const ids = events().map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event published twice');
    assert.deepEqual(events().filter((e) => !seen.has(e.id)).map((e) => e.source.id), written, 'the missed ones, in order, and nothing else');
    await ingest.drain();
    assert.ok(Number(await getCursor(s.ds, 'atproto.firehose:test')) > Number(cursorAtKill));
  });

  it('#account deactivation bridges nothing (no account.deleted); after reactivation posts flow again', async () => {
    const dave = await peer.createAccount({ handle: 'dave-ingest.test', email: 'dave@ingest.example', password: 'dave-pass-123' });
    await seedAccount(s.ds, [{ network: 'atproto', id: dave.did, handle: dave.handle, kind: 'native' }]);
    await ingest.watch.refresh();
    const agent = await peer.login(dave.handle, dave.password);
    const seen = await metric('pontis_atproto_firehose_events_total', 'outcome="account');
    await agent.com.atproto.server.deactivateAccount({});
    await waitFor(async () => (await metric('pontis_atproto_firehose_events_total', 'outcome="account')) > seen, { what: 'the #account event', timeoutMs: 20_000 });
    await agent.com.atproto.server.activateAccount();
    const p = await post(agent, dave.did, 'back again');
    await waitFor(() => events().some((e) => e.source.id === p.uri), { what: 'the post after reactivation', timeoutMs: 20_000 });
    assert.ok(!events().some((e) => e.type === 'account.deleted' && e.actor.id === dave.did));
  });

  it('#identity updates the handle; a takedown becomes account.deleted', async () => {
    await bobAgent.com.atproto.identity.updateHandle({ handle: 'bob-renamed.test' });
    await waitFor(async () => (await s.ds.query(`SELECT handle FROM identities WHERE native_id = $1`, [bob.did]))[0]?.handle === 'bob-renamed.test', { what: 'the new handle', timeoutMs: 20_000 });
    const p = await post(bobAgent, bob.did, 'with my new name');
    const e = await waitFor(() => events().find((x) => x.source.id === p.uri), { what: 'the post', timeoutMs: 20_000 });
    assert.equal(e.actor.handle, 'bob-renamed.test');
    const res = await fetch(`${pdsUrl}/xrpc/com.atproto.admin.updateSubjectStatus`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: peer.info!.adminAuthorization },
      body: JSON.stringify({ subject: { $type: 'com.atproto.admin.defs#repoRef', did: bob.did }, takedown: { applied: true, ref: 'test' } }),
    });
    assert.equal(res.status, 200, await res.text());
    const gone = await waitFor(() => events().find((x) => x.type === 'account.deleted'), { what: 'account.deleted', timeoutMs: 20_000 });
    validateEvent(gone);
    assert.equal(gone.actor.id, bob.did);
  });

  it('a slow bus: the socket stops being read (bounded queues) and every event still arrives once, in order', async () => {
    await ingest.stop();
    const erin = await peer.createAccount({ handle: 'erin-ingest.test', email: 'erin@ingest.example', password: 'erin-pass-123' });
    const frank = await peer.createAccount({ handle: 'frank-ingest.test', email: 'frank@ingest.example', password: 'frank-pass-123' });
    for (const a of [erin, frank]) await seedAccount(s.ds, [{ network: 'atproto', id: a.did, handle: a.handle, kind: 'native' }]);
    // The bus takes 40 ms per publish: far slower than the PDS writes.
    const slowBus = Object.create(bus) as MemoryBus;
    slowBus.publish = async (...args: Parameters<MemoryBus['publish']>) => {
      await new Promise((r) => setTimeout(r, 40));
      return bus.publish(...args);
    };
    ingest = new FirehoseIngest({ bus: slowBus, ds: s.ds, service, plcUrl, blobUrl: (did, cid) => `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`, cursorName: 'atproto.firehose:slow', watchRefreshMs: 200, pdsUrl, maxInFlight: 8, maxPerDid: 4 });
    await ingest.start();
    const before = events().length;
    const agents = [await peer.login(erin.handle, erin.password), await peer.login(frank.handle, frank.password)];
    const written: Record<string, string[]> = { [erin.did]: [], [frank.did]: [] };
    // 30 posts each, written as fast as the PDS takes them.
    await Promise.all(
      [erin, frank].map(async (a, k) => {
        for (let i = 0; i < 30; i++) written[a.did]!.push((await post(agents[k]!, a.did, `burst ${i}`)).uri);
      }),
    );
    await waitFor(() => events().length >= before + 60, { what: 'all 60 posts on the bus', timeoutMs: 60_000 });
    await ingest.drain();
    const got = events().slice(before);
    assert.equal(new Set(got.map((e) => e.id)).size, 60, 'each once');
    for (const a of [erin, frank]) assert.deepEqual(got.filter((e) => e.actor.id === a.did).map((e) => e.source.id), written[a.did], 'per repo in order');
    const { peak } = ingest.queued();
    assert.ok(peak <= 8, `at most 8 events queued at once, saw ${peak}`);
    assert.ok(peak >= 2, `the bound was reached (peak ${peak}): the test exercised it`);
  });

  it('batched writes: a bus that refuses is retried and the cursor waits; killed while the bus hangs, a restart publishes those events once', async () => {
    await ingest.stop();
    const gina = await peer.createAccount({ handle: 'gina-ingest.test', email: 'gina@ingest.example', password: 'gina-pass-123' });
    await seedAccount(s.ds, [{ network: 'atproto', id: gina.did, handle: gina.handle, kind: 'native' }]);
    let mode: 'refuse' | 'hang' | 'take' = 'refuse';
    let refused = 0;
    let hung = 0;
    const flaky = Object.create(bus) as MemoryBus;
    flaky.publish = async (...args: Parameters<MemoryBus['publish']>) => {
      if (mode === 'refuse') {
        refused++;
        throw new Error('broker away');
      }
      if (mode === 'hang') {
        hung++;
        return new Promise<void>(() => undefined);
      }
      return bus.publish(...args);
    };
    const cursorName = 'atproto.firehose:flaky';
    const start = async (b: MemoryBus) => {
      const i = new FirehoseIngest({ bus: b, ds: s.ds, service, plcUrl, blobUrl: (did, cid) => `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`, cursorName, watchRefreshMs: 200, pdsUrl });
      await i.start();
      return i;
    };
    ingest = await start(flaky);
    try {
      const agent = await peer.login(gina.handle, gina.password);
      const before = events().length;
      const first: string[] = [];
      for (let i = 0; i < 3; i++) first.push((await post(agent, gina.did, `refused at first ${i}`)).uri);
      await waitFor(() => refused >= 2 && ingest.queued().now === 3, { what: 'the bus to refuse twice with all three waiting', timeoutMs: 20_000 });
      assert.equal(events().length, before, 'nothing on the bus yet');
      mode = 'take';
      await waitFor(() => events().length >= before + 3, { what: 'the retried batch', timeoutMs: 20_000 });
      await ingest.drain();
      const cursorAfterFirst = Number(await getCursor(s.ds, cursorName));
      assert.ok(cursorAfterFirst > 0, 'saved once the bus took them');
      mode = 'hang';
      const second: string[] = [];
      for (let i = 0; i < 2; i++) second.push((await post(agent, gina.did, `while the bus hangs ${i}`)).uri);
      // The first batch hangs in the bus; the second waits behind it.
      await waitFor(() => hung >= 1 && ingest.queued().now === 2, { what: 'both events waiting on the hanging bus', timeoutMs: 20_000 });
      await ingest.kill();
      assert.equal(Number(await getCursor(s.ds, cursorName)), cursorAfterFirst, 'the cursor did not pass events the bus never took');
      ingest = await start(bus);
      await waitFor(() => events().length >= before + 5, { what: 'the two events after the restart', timeoutMs: 20_000 });
      await ingest.drain();
      assert.deepEqual(events().slice(before).map((e) => e.source.id), [...first, ...second], 'each once, in order');
      assert.ok(Number(await getCursor(s.ds, cursorName)) > cursorAfterFirst);
    } finally {
      // A graceful stop would wait for the hanging bus.
      if (mode !== 'take') await ingest.kill();
    }
  });
});
