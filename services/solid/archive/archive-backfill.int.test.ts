import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { ActivityPubPeer, AtprotoPeer, NostrRelayPeer } from '../../../libs/harness/index.js';
import { waitFor } from '../../../libs/testing/index.js';
import { AccountStatusRepository } from '../../gateway/accounts/account-status.repository.js';
import { SolidLinkService } from '../identity/index.js';
import { SolidDeliverer } from '../publish/index.js';
import { personWithGrant, revoke, startWorld, type SolidWorld } from '../test-support.js';
import { ArchiveBackfill, type BackfillProgress } from './archive-backfill.js';
import { ActivityPubHistory } from './activitypub-history.js';
import { AtprotoHistory } from './atproto-history.js';
import { NostrHistory } from './nostr-history.js';

// A real Community Solid Server, a real Nostr relay, a real (Fedify) ActivityPub server, a real
// Bluesky PDS + PLC (harness child processes) and Postgres: the person's past posts are there, the object map knows their
// ids, the pod gets the copies.

describe('Archive backfill: a person’s history into their own pod, with progress (real CSS, Nostr relay, ActivityPub server, Bluesky PDS)', { timeout: 240_000 }, () => {
  let w: SolidWorld;
  let relay: NostrRelayPeer;
  let fedi: ActivityPubPeer;
  let bsky: AtprotoPeer;

  before(async () => {
    relay = new NostrRelayPeer();
    fedi = new ActivityPubPeer();
    bsky = new AtprotoPeer();
    [w] = await Promise.all([startWorld(), relay.start(), fedi.start(), bsky.start()]);
  });
  after(async () => {
    await relay?.stop();
    await fedi?.stop();
    await bsky?.stop();
    await w?.close();
  });

  it('copies what the sources give back, counts the rest by reason, shows progress, and a second run writes nothing new', async () => {
    const ivy = await personWithGrant(w, 'ivy');
    const backfill = new ArchiveBackfill({
      ds: w.store.ds,
      deliver: new SolidDeliverer({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, provisioner: w.provisioner, copyMedia: false }).deliver,
      sources: [
        new NostrHistory({ relays: [relay.info!.url], timeoutMs: 5_000 }),
        new ActivityPubHistory({}),
        new AtprotoHistory({ plcUrl: bsky.info!.plcUrl, ownPds: bsky.info!.pdsUrl, allowPrivate: true }),
      ],
    });
    const link = new SolidLinkService({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, backfill });
    const { accountId } = await link.link(ivy.account.webId);
    const sk = generateSecretKey();
    const pubkey = getPublicKey(sk);
    const fediIvy = await fedi.createUser('ivy');
    const bskyIvy = await bsky.createAccount({ handle: 'ivy.test', email: 'ivy@example.org', password: 'ivy ivy ivy' });
    await w.store.ds.query(
      `INSERT INTO identities (account_id, network, native_id, kind, verified_at) VALUES ($1, 'nostr', $2, 'native', now()), ($1, 'activitypub', $3, 'native', now()), ($1, 'atproto', $4, 'native', now())`,
      [accountId, pubkey, fediIvy.id, bskyIvy.did],
    );
    const original = async (network: string, nativeId: string, owner: string, solidCopy?: string) => {
      const key = randomUUID();
      await w.store.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES ($1, $2, $3, true, $4, $5)`, [key, network, nativeId, network, owner]);
      if (solidCopy) await w.store.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'solid', $2, false)`, [key, solidCopy]);
      return key;
    };
    // Three past notes on the relay, in the object map as hers.
    const texts = ['my first note', 'my second note', 'my third note'];
    const keys: string[] = [];
    for (const [i, content] of texts.entries()) {
      const ev = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000) - 1000 + i, tags: [], content }, sk);
      assert.ok((await relay.publish(ev)).accepted);
      keys.push(await original('nostr', ev.id, pubkey));
    }
    // Gone from the relays; signed by someone else though the map says hers; on a network without a source; already in the pod.
    await original('nostr', 'f'.repeat(64), pubkey);
    const stranger = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'not hers' }, generateSecretKey());
    assert.ok((await relay.publish(stranger)).accepted);
    await original('nostr', stranger.id, pubkey);
    // On the fediverse: one she wrote, and one by someone else the map wrongly calls hers.
    const { noteId } = await fedi.createNote('ivy', { content: 'my note on the fediverse' });
    keys.push(await original('activitypub', noteId, fediIvy.id));
    texts.push('my note on the fediverse');
    await fedi.createUser('ned');
    const { noteId: nedsNote } = await fedi.createNote('ned', { content: 'ned’s note' });
    await original('activitypub', nedsNote, fediIvy.id);
    // On Bluesky, through her PDS.
    const { uri } = await (await bsky.login(bskyIvy.handle, bskyIvy.password)).post({ text: 'my post on bluesky', createdAt: new Date().toISOString() });
    keys.push(await original('atproto', uri, bskyIvy.did));
    texts.push('my post on bluesky');
    await original('nostr', 'e'.repeat(64), pubkey, `${ivy.socialUrl}outbox/earlier`);
    // Someone else's post in the object map is not hers to archive.
    await original('nostr', 'd'.repeat(64), 'a'.repeat(64));

    const pod = (await w.repo.byWebId(ivy.account.webId))!;
    await link.setArchive(ivy.account.webId, true); // starts the backfill in the background
    const p = await waitFor(async () => { const b = (await w.repo.byId(pod.id))!.backfill as BackfillProgress | null; return b?.state === 'done' ? b : undefined; }, { what: 'the backfill to finish', timeoutMs: 60_000 });
    assert.equal(p.total, 9);
    assert.equal(p.done, 9);
    assert.equal(p.copied, 5);
    assert.equal(p.notFound, 3, 'gone from the relay, signed by someone else, attributed to someone else');
    assert.equal(p.alreadyThere, 1);
    assert.deepEqual(p.unsupported, {});
    assert.equal(p.failed, 0);
    assert.ok(p.finishedAt);
    // The same progress in the gateway's account status (GET /api/v1/accounts/:id → solidArchive).
    const status = await new AccountStatusRepository(w.store.ds).solidArchive(accountId);
    assert.deepEqual({ enabled: status?.enabled, state: status?.backfill?.state, done: status?.backfill?.done, total: status?.backfill?.total }, { enabled: true, state: 'done', done: 9, total: 9 });

    // In her pod, each mapped to its original (so a later delete at the origin reaches it).
    for (const [i, key] of keys.entries()) {
      const [copy]: { native_id: string }[] = await w.store.ds.query(`SELECT native_id FROM object_map WHERE object_key = $1 AND network = 'solid'`, [key]);
      assert.ok(copy?.native_id.startsWith(`${ivy.socialUrl}outbox/`), `copy of ${texts[i]}`);
      const note = (await (await ivy.personal.fetch(copy!.native_id, { headers: { accept: 'application/ld+json' } })).json()) as Record<string, any>;
      assert.match(String(note.content), new RegExp(texts[i]!));
      assert.equal(note.attributedTo, ivy.account.webId);
      assert.match(String(note.url?.href), [/^nostr:nevent1/, /^nostr:nevent1/, /^nostr:nevent1/, /^http:\/\/127\.0\.0\.1:\d+\/users\/ivy\/notes\//, /^(https:\/\/bsky\.app\/|at:\/\/)/][i]!, 'links back to the original');
    }

    // Again (an operator re-run, or a restart): everything is found in place, nothing written twice.
    const again = await backfill.run(pod.id);
    assert.equal(again?.copied, 0);
    assert.equal(again?.alreadyThere, 6);
    const listing = await w.client.list(`${ivy.socialUrl}outbox/`);
    assert.equal(listing.members.filter((m) => !m.endsWith('/')).length, 5);

    // Another process is running it (fresh heartbeat): this one leaves it alone. One whose process
    // died (no heartbeat for a minute) is picked up by resumeStale.
    const markRunning = (at: Date) =>
      w.store.ds.query(`UPDATE solid_pods SET backfill = backfill || jsonb_build_object('state', 'running', 'updatedAt', $2::text) WHERE id = $1`, [pod.id, at.toISOString()]);
    await markRunning(new Date());
    assert.equal(await backfill.run(pod.id), undefined, `claimed elsewhere: ${JSON.stringify(await backfill.progress(pod.id))}`);
    const died = new Date(Date.now() - 120_000);
    await markRunning(died);
    await backfill.resumeStale();
    const resumed = await waitFor(async () => { const b = (await backfill.progress(pod.id))!; return b.state === 'done' && new Date(b.updatedAt) > died ? b : undefined; }, { what: 'the stale backfill to be resumed', timeoutMs: 30_000 });
    assert.equal(resumed.alreadyThere, 6);
  });

  it('a pod that no longer lets the bridge in stops the run as failed with the reason; with the archive off there is nothing to backfill', async () => {
    const jo = await personWithGrant(w, 'jo');
    const backfill = new ArchiveBackfill({
      ds: w.store.ds,
      deliver: new SolidDeliverer({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, provisioner: w.provisioner, copyMedia: false }).deliver,
      sources: [new NostrHistory({ relays: [relay.info!.url], timeoutMs: 5_000 })],
    });
    const link = new SolidLinkService({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId });
    const { accountId } = await link.link(jo.account.webId);
    const sk = generateSecretKey();
    await w.store.ds.query(`INSERT INTO identities (account_id, network, native_id, kind) VALUES ($1, 'nostr', $2, 'native')`, [accountId, getPublicKey(sk)]);
    for (const content of ['one', 'two']) {
      const ev = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content }, sk);
      assert.ok((await relay.publish(ev)).accepted);
      await w.store.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES ($1, 'nostr', $2, true, 'nostr', $3)`, [randomUUID(), ev.id, ev.pubkey]);
    }
    await link.setArchive(jo.account.webId, true);
    await revoke(jo.personal, jo.socialUrl, jo.account.webId);
    const pod = (await w.repo.byWebId(jo.account.webId))!;
    const p = await backfill.run(pod.id);
    assert.equal(p?.state, 'failed');
    assert.match(p!.lastError!, /no longer grants the bridge's WebID access/);
    assert.equal(p!.done, 0, 'stopped at the first refusal');
    assert.equal((await w.repo.byId(pod.id))!.access, 'revoked', 'and the pod says why in the status API');
    await link.setArchive(jo.account.webId, false);
    assert.equal(await backfill.run(pod.id), undefined, 'no archive, no backfill');
  });

  it('a network without a history source is counted, not copied', async () => {
    const kim = await personWithGrant(w, 'kim');
    const backfill = new ArchiveBackfill({ ds: w.store.ds, deliver: async () => ({ skipped: 'never called' }), sources: [] });
    const link = new SolidLinkService({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId });
    const { accountId } = await link.link(kim.account.webId);
    await w.store.ds.query(`INSERT INTO identities (account_id, network, native_id, kind) VALUES ($1, 'nostr', $2, 'native')`, [accountId, '9'.repeat(64)]);
    await w.store.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES ($1, 'nostr', $2, true, 'nostr', $3)`, [randomUUID(), '8'.repeat(64), '9'.repeat(64)]);
    await link.setArchive(kim.account.webId, true);
    const p = await backfill.run((await w.repo.byWebId(kim.account.webId))!.id);
    assert.deepEqual({ state: p?.state, total: p?.total, done: p?.done, copied: p?.copied, unsupported: p?.unsupported }, { state: 'done', total: 1, done: 1, copied: 0, unsupported: { nostr: 1 } });
  });
});
