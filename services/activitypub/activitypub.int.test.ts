/**
 * The ActivityPub adapter against an independent ActivityPub server (the Fedify peer, which checks
 * HTTP signatures strictly), with Postgres (own schema) and Kafka (127.0.0.1:9092, KAFKA_BROKERS
 * overrides; a random topic prefix; PONTIS_TEST_BUS=memory for the in-process bus):
 * a Fedify user follows a bridged actor, posts flow both ways (reply, like, boost, edit, delete),
 * and the attacks from reference/security-and-delivery.md are refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { commandFor, Recorder } from '../../libs/adapter/testing.js';
import { KafkaBus, MemoryBus, NamespacedBus, type Bus } from '../../libs/bus/index.js';
import { coreTopics, eventFixture, outboundTopic, parkedTopic, TOPICS, type BridgeEvent, type OutboundCommand, type Receipt } from '../../libs/events/index.js';
import { ActivityPubPeer, type ApUser, type ReceivedActivity } from '../../libs/harness/index.js';
import { AddressGuard } from '../../libs/net/index.js';
import { SecretBox } from '../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { ActivityPubService } from './activitypub-service.js';
import { signRequest } from './federation/http-signature.js';
import { InboxVerifier } from './federation/inbox-verifier.js';
import { KeyResolver } from './federation/key-resolver.js';
import { RemoteFetcher } from './federation/remote-fetch.js';
import type { AsObject } from './mapping/index.js';

const NOSTR_PK = 'ab'.repeat(32);

function nostrPost(n: string, text: string): BridgeEvent {
  const e = eventFixture('post.created');
  e.id = `nostr:${n.padStart(64, '0')}`;
  e.source = { network: 'nostr', id: n.padStart(64, '0') };
  e.actor = { network: 'nostr', id: NOSTR_PK, handle: 'dana@nostr.example' };
  e.trace = { origin: 'nostr', hops: 0 };
  e.object = { ...e.object!, text, html: undefined, facets: [], attachments: [], url: undefined, language: undefined };
  return e;
}

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('ActivityPub adapter with a Fedify server', { timeout: 240_000 }, () => {
  let s: TestStore;
  let bus: Bus;
  let peer: ActivityPubPeer;
  let svc: ActivityPubService;
  let server: Server;
  let base: string;
  let rec: Recorder;
  let account: string;
  let me: string;
  let carol: ApUser;
  const gone: Server[] = [];
  /** POSTs our own server received (inbox deliveries, from Fedify or from ourselves). */
  let postsToUs = 0;

  const events = () => rec.json<BridgeEvent>(TOPICS.events);
  const receipt = (id: string) => waitFor(() => rec.json<Receipt>(TOPICS.receipts).find((r) => r.commandId === id), { timeoutMs: 30_000, what: `receipt for ${id}` });
  const send = (c: OutboundCommand) => bus.publish(outboundTopic('activitypub'), [{ key: c.as.accountId, value: JSON.stringify(c) }]);
  const carolGot = (pred: (a: ReceivedActivity) => boolean, what: string) =>
    waitFor(async () => (await peer.received(carol.name)).find(pred), { timeoutMs: 30_000, what });

  before(async () => {
    peer = new ActivityPubPeer();
    const [store] = await Promise.all([createTestStore(), peer.start()]);
    s = store;
    bus =
      process.env.PONTIS_TEST_BUS === 'memory'
        ? new MemoryBus()
        : new NamespacedBus(
            new KafkaBus({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: `ap-${randomBytes(3).toString('hex')}`, logLevel: 'error', backoff: { baseMs: 100, maxMs: 1_000, jitter: 0 } }),
            `t${randomBytes(5).toString('hex')}`,
          );
    await bus.start();
    await bus.ensureTopics([...coreTopics(), parkedTopic('activitypub')].map((topic) => ({ topic, partitions: 2 })));
    rec = await Recorder.on(bus, [TOPICS.events, TOPICS.receipts]);
    const app = express();
    app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'], verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
    app.use((req, _res, next) => {
      if (req.method === 'POST') postsToUs++;
      next();
    });
    const l = await listen(app);
    server = l.server;
    base = l.base;
    svc = new ActivityPubService({ ds: s.ds, box: new SecretBox(randomBytes(32)), bus, baseUrl: base, allowPrivateAddresses: true });
    await svc.init();
    app.use(svc.router());
    await svc.start();
    account = await seedAccount(s.ds, [{ network: 'nostr', id: NOSTR_PK, handle: 'dana@nostr.example', kind: 'native' }]);
    me = (await svc.actors.ensure(account, { displayName: 'Dana', summary: 'on nostr' })).id;
    carol = await peer.createUser(`carol${randomBytes(3).toString('hex')}`);
  });

  after(async () => {
    await svc?.stop();
    await rec?.stop();
    await bus?.stop();
    for (const g of gone) g.close();
    server?.close();
    await peer?.stop();
    await s?.drop();
  });

  it('serves the bridged actor, WebFinger (acct: and URL), host-meta and NodeInfo 2.1', async () => {
    const actor = (await (await fetch(me, { headers: { accept: 'application/activity+json' } })).json()) as AsObject;
    assert.equal(actor.type, 'Person');
    assert.equal(actor.preferredUsername, 'dana.nostr.example');
    for (const k of ['inbox', 'outbox', 'followers', 'following', 'featured']) assert.ok(typeof actor[k] === 'string', `${k}: ${JSON.stringify(actor[k])}`);
    assert.equal((actor.endpoints as AsObject).sharedInbox, `${base}/ap/inbox`);
    assert.match(String((actor.publicKey as AsObject).publicKeyPem), /BEGIN PUBLIC KEY/);
    assert.ok(!JSON.stringify(actor).includes('PRIVATE'), 'no private key served');
    const domain = new URL(base).host;
    const wf = (await (await fetch(`${base}/.well-known/webfinger?resource=acct:dana.nostr.example@${domain}`)).json()) as { links: { rel: string; href: string }[] };
    assert.equal(wf.links.find((x) => x.rel === 'self')!.href, me);
    const wf2 = await fetch(`${base}/.well-known/webfinger?resource=${encodeURIComponent(me)}`);
    assert.equal(wf2.status, 200);
    assert.equal((await fetch(`${base}/.well-known/webfinger?resource=acct:nobody@${domain}`)).status, 404);
    assert.match(await (await fetch(`${base}/.well-known/host-meta`)).text(), /lrdd/);
    const ni = (await (await fetch(`${base}/.well-known/nodeinfo`)).json()) as { links: { rel: string; href: string }[] };
    const v21 = ni.links.find((x) => x.rel.endsWith('/2.1'))!;
    const doc = (await (await fetch(v21.href)).json()) as { version: string; protocols: string[]; software: { name: string } };
    assert.equal(doc.version, '2.1');
    assert.deepEqual(doc.protocols, ['activitypub']);
    assert.match(doc.software.name, /^[a-z0-9-]+$/);
  });

  it('a Fedify user follows the bridged actor: signature verified, follower stored, Accept verified by Fedify', async () => {
    await peer.follow(carol.name, me);
    await waitFor(async () => (await peer.following(carol.name)).find((f) => f.id === me && f.accepted), { timeoutMs: 30_000, what: 'Fedify to accept our Accept' });
    assert.deepEqual(await svc.followers.ids(me), [carol.id]);
    const follow = await waitFor(() => events().find((e) => e.type === 'follow.created' && e.actor.id === carol.id), { timeoutMs: 10_000, what: 'follow.created' });
    assert.equal(follow.subject!.id, me);
  });

  let noteId: string;
  it('outbound post reaches the follower (signed delivery to the shared inbox) and dereferences', async () => {
    const cmd = commandFor(nostrPost('1', 'hello fediverse from nostr'), 'activitypub', account);
    await send(cmd);
    const r = await receipt(cmd.id);
    assert.equal(r.status, 'delivered', r.reason);
    noteId = r.ref!.id;
    const got = await carolGot((a) => a.type === 'Create' && a.objectId === noteId, 'the Create at Fedify');
    assert.ok(JSON.stringify(got.json).includes('hello fediverse from nostr'));
    const note = (await (await fetch(noteId, { headers: { accept: 'application/activity+json' } })).json()) as AsObject;
    assert.equal(note.id, noteId);
    assert.equal(note.attributedTo, me);
  });

  it('inbound: a Fedify reply becomes post.created with the reply parent, sanitized', async () => {
    const { noteId: replyId } = await peer.createNote(carol.name, { content: '<p>nice <script>alert(1)</script><b>one</b></p>', to: [me], inReplyTo: noteId });
    const ev = await waitFor(() => events().find((e) => e.type === 'post.created' && e.source.id === replyId), { timeoutMs: 20_000, what: 'the reply event' });
    assert.equal(ev.actor.id, carol.id);
    assert.equal(ev.object!.replyTo!.id, noteId);
    assert.ok(!ev.object!.html!.includes('script'));
    assert.equal(ev.object!.text, 'nice one');
  });

  it('inbound like and boost of our note', async () => {
    await peer.send({ from: carol.name, to: me, activity: { type: 'Like', object: noteId } });
    await peer.send({ from: carol.name, to: me, activity: { type: 'Announce', object: noteId, to: ['https://www.w3.org/ns/activitystreams#Public'] } });
    const like = await waitFor(() => events().find((e) => e.type === 'reaction.added' && e.target?.id === noteId), { timeoutMs: 20_000, what: 'the like' });
    assert.equal(like.reaction!.content, '+');
    await waitFor(() => events().find((e) => e.type === 'repost.created' && e.target?.id === noteId), { timeoutMs: 20_000, what: 'the boost' });
  });

  it("outbound like and boost of Carol's post reach her; edit and delete of our post reach the follower", async () => {
    const { noteId: hers } = await peer.createNote(carol.name, { content: 'like me', to: [me] });
    await s.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES (gen_random_uuid(), 'activitypub', $1, true, 'activitypub', $2)`, [hers, carol.id]);
    const target = { network: 'activitypub' as const, id: hers, original: true };
    const like: BridgeEvent = { ...eventFixture('reaction.added'), id: 'nostr:like1', source: { network: 'nostr', id: '1'.repeat(64) }, actor: { network: 'nostr', id: NOSTR_PK }, trace: { origin: 'nostr', hops: 0 } };
    const likeCmd = commandFor(like, 'activitypub', account, { refs: { target } });
    await send(likeCmd);
    assert.equal((await receipt(likeCmd.id)).status, 'delivered');
    await carolGot((a) => a.type === 'Like' && a.objectId === hers, 'the Like at Fedify');
    const boost: BridgeEvent = { ...eventFixture('repost.created'), id: 'nostr:boost1', source: { network: 'nostr', id: '2'.repeat(64) }, actor: { network: 'nostr', id: NOSTR_PK }, trace: { origin: 'nostr', hops: 0 } };
    const boostCmd = commandFor(boost, 'activitypub', account, { refs: { target } });
    await send(boostCmd);
    assert.equal((await receipt(boostCmd.id)).status, 'delivered');
    await carolGot((a) => a.type === 'Announce' && a.objectId === hers, 'the Announce at Fedify');

    const edit: BridgeEvent = { ...nostrPost('1', 'hello fediverse (edited)'), id: 'nostr:edit1', type: 'post.updated', source: { network: 'nostr', id: '4'.repeat(64) }, target: { network: 'nostr', id: '1'.padStart(64, '0') } };
    const editCmd = commandFor(edit, 'activitypub', account, { refs: { target: { network: 'activitypub', id: noteId, original: false } } });
    await send(editCmd);
    assert.equal((await receipt(editCmd.id)).status, 'delivered');
    await carolGot((a) => a.type === 'Update' && JSON.stringify(a.json).includes('(edited)'), 'the Update at Fedify');

    const del: BridgeEvent = { ...eventFixture('post.deleted'), id: 'nostr:del1', source: { network: 'nostr', id: '3'.repeat(64) }, actor: { network: 'nostr', id: NOSTR_PK }, trace: { origin: 'nostr', hops: 0 } };
    const delCmd = commandFor(del, 'activitypub', account, { refs: { target: { network: 'activitypub', id: noteId, original: false } } });
    await send(delCmd);
    assert.equal((await receipt(delCmd.id)).status, 'delivered');
    await carolGot((a) => a.type === 'Delete' && a.objectId === noteId, 'the Delete at Fedify');
    assert.equal((await fetch(noteId, { headers: { accept: 'application/activity+json' } })).status, 410);
  });

  it('a follower whose inbox answers 410 Gone is removed; the post is still delivered', async () => {
    const g = createServer((req, res) => {
      res.statusCode = req.method === 'POST' ? 410 : 404;
      res.end();
    });
    gone.push(g);
    await new Promise<void>((r) => g.listen(0, '127.0.0.1', r));
    const ghost = `http://127.0.0.1:${(g.address() as AddressInfo).port}/users/ghost`;
    await svc.followers.add(me, { id: `${ghost}/follows/1`, type: 'Follow', actor: ghost, object: me }, { id: ghost, type: 'Person', inbox: `${ghost}/inbox` });
    assert.ok((await svc.followers.ids(me)).includes(ghost));
    const cmd = commandFor(nostrPost('2', 'second post'), 'activitypub', account);
    await send(cmd);
    assert.equal((await receipt(cmd.id)).status, 'delivered');
    assert.ok(!(await svc.followers.ids(me)).includes(ghost), 'the gone follower was removed');
    assert.ok((await svc.followers.ids(me)).includes(carol.id));
  });

  it('a follow between two of our own bridged actors is delivered at once, with no request to ourselves', async () => {
    const other = await seedAccount(s.ds, [{ network: 'nostr', id: 'cd'.repeat(32), handle: 'eli@nostr.example', kind: 'native' }]);
    const eli = (await svc.actors.ensure(other, { displayName: 'Eli' })).id;
    const follow: BridgeEvent = { ...eventFixture('follow.created'), id: 'nostr:follow-local', source: { network: 'nostr', id: '5'.repeat(64) }, actor: { network: 'nostr', id: NOSTR_PK }, subject: { network: 'nostr', id: 'cd'.repeat(32) }, trace: { origin: 'nostr', hops: 0 } };
    const cmd = commandFor(follow, 'activitypub', account, { actors: { [`nostr:${'cd'.repeat(32)}`]: { id: eli } } });
    const before = postsToUs;
    await send(cmd);
    // Before the fix the recipient (our own actor) was fetched and posted to like a remote one,
    // and retried forever whenever that actor could not be fetched.
    const r = await receipt(cmd.id);
    assert.equal(r.status, 'delivered', r.reason);
    assert.equal(postsToUs, before, 'the bridge posted to its own inbox');
  });

  it("native identity: following the bridge's instance actor links the account; the bridge follows back and their posts arrive", async () => {
    const erin = await peer.createUser(`erin${randomBytes(3).toString('hex')}`);
    const instance = `${base}/ap/users/pontis`;
    await peer.follow(erin.name, instance);
    const row = await waitFor(async () => (await s.ds.query(`SELECT i.account_id, a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'activitypub' AND i.native_id = $1 AND i.kind = 'native'`, [erin.id]))[0], { timeoutMs: 20_000, what: 'the linked identity' });
    assert.equal(row.consent, 'opted_in');
    await waitFor(async () => (await peer.followers(erin.name)).find((f) => f.id === instance), { timeoutMs: 20_000, what: 'the instance actor to follow back' });
    const { noteId: post } = await peer.createNote(erin.name, { content: 'mirrored out' });
    const ev = await waitFor(() => events().find((e) => e.type === 'post.created' && e.source.id === post), { timeoutMs: 20_000, what: "erin's post as an event" });
    assert.equal(ev.actor.id, erin.id);
    await peer.send({ from: erin.name, to: instance, activity: { type: 'Undo', object: { type: 'Follow', actor: erin.id, object: instance } } });
    await waitFor(async () => (await s.ds.query(`SELECT consent FROM accounts WHERE id = $1`, [row.account_id]))[0].consent === 'opted_out', { timeoutMs: 20_000, what: 'opt-out' });
    await waitFor(() => events().find((e) => e.type === 'account.deleted' && e.actor.id === erin.id), { timeoutMs: 20_000, what: 'the removal of her copies (optOut)' });
  });

  it('the bot takes `start` / `stop` by direct message and answers with a direct reply; a Block opts out; audited', async () => {
    const fay = await peer.createUser(`fay${randomBytes(3).toString('hex')}`);
    const instance = `${base}/ap/users/pontis`;
    const consent = async () => (await s.ds.query(`SELECT a.id, a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'activitypub' AND i.native_id = $1`, [fay.id]))[0] as { id: string; consent: string } | undefined;
    const replies = async () => (await peer.received(fay.name)).filter((r) => r.type === 'Create' && r.actor === instance).map((r) => r.json.object as { content: string; inReplyTo: string; to?: unknown });

    // A public post mentioning the bot is not a message to it.
    await peer.createNote(fay.name, { content: '@pontis start', to: [instance], public: true });
    const dm = await peer.createNote(fay.name, { content: `<p><span class="h-card"><a href="${instance}">@pontis</a></span> start</p>`, to: [instance], public: false });
    await waitFor(async () => (await consent())?.consent === 'opted_in', { timeoutMs: 20_000, what: 'opt-in by message' });
    const answer = await waitFor(async () => (await replies()).find((r) => r.inReplyTo === dm.noteId), { timeoutMs: 20_000, what: 'the bot to answer' });
    assert.match(answer.content, /bridged from now on/);
    assert.equal((await replies()).length, 1, 'the public mention got no answer');
    await waitFor(async () => (await peer.followers(fay.name)).find((f) => f.id === instance), { timeoutMs: 20_000, what: 'the instance actor to follow back' });

    const stop = await peer.createNote(fay.name, { content: 'stop', to: [instance], public: false });
    await waitFor(async () => (await consent())?.consent === 'opted_out', { timeoutMs: 20_000, what: 'opt-out by message' });
    assert.match((await waitFor(async () => (await replies()).find((r) => r.inReplyTo === stop.noteId), { timeoutMs: 20_000, what: 'the answer to stop' })).content, /no longer bridged/);
    const help = await peer.createNote(fay.name, { content: 'what is this?', to: [instance], public: false });
    assert.match((await waitFor(async () => (await replies()).find((r) => r.inReplyTo === help.noteId), { timeoutMs: 20_000, what: 'the help text' })).content, /Send &quot;start&quot;/);

    await peer.follow(fay.name, instance);
    await waitFor(async () => (await consent())?.consent === 'opted_in', { timeoutMs: 20_000, what: 'opt-in by follow' });
    await peer.send({ from: fay.name, to: instance, activity: { type: 'Block', object: instance } });
    await waitFor(async () => (await consent())?.consent === 'opted_out', { timeoutMs: 20_000, what: 'opt-out by block' });
    const audit = await s.ds.query(`SELECT actor, action FROM audit_log WHERE target = $1 ORDER BY id`, [`account:${(await consent())!.id}`]);
    assert.deepEqual(audit.map((a: { action: string }) => a.action), ['account.opt-in', 'account.opt-out', 'account.opt-in', 'account.opt-out']);
    assert.ok(audit.every((a: { actor: string }) => a.actor === 'bot:activitypub'));
  });

  it('Move of a linked account: the identity follows the new actor when it lists the old one in alsoKnownAs', async () => {
    const instance = `${base}/ap/users/pontis`;
    const old = await peer.createUser(`mover${randomBytes(3).toString('hex')}`);
    await peer.follow(old.name, instance);
    const account = await waitFor(async () => (await s.ds.query(`SELECT account_id FROM identities WHERE network = 'activitypub' AND native_id = $1`, [old.id]))[0]?.account_id, { timeoutMs: 20_000, what: 'the linked identity' });
    const liar = await peer.createUser(`liar${randomBytes(3).toString('hex')}`);
    await peer.send({ from: old.name, to: instance, activity: { type: 'Move', object: old.id, target: liar.id } });
    const fresh = await peer.createUser(`moved${randomBytes(3).toString('hex')}`, { alsoKnownAs: [old.id] });
    await peer.send({ from: old.name, to: instance, activity: { type: 'Move', object: old.id, target: fresh.id } });
    await waitFor(async () => (await s.ds.query(`SELECT 1 FROM identities WHERE account_id = $1 AND native_id = $2`, [account, fresh.id]))[0], { timeoutMs: 20_000, what: 'the identity to move' });
    await waitFor(async () => (await peer.followers(fresh.name)).find((f) => f.id === instance), { timeoutMs: 20_000, what: 'the instance actor to follow the new account' });
    assert.equal((await s.ds.query(`SELECT 1 FROM identities WHERE native_id = $1`, [liar.id])).length, 0, 'a target that does not name the old account is not taken');
  });

  describe('attacks on the inbox', () => {
    const inbox = () => `${me}/inbox`;
    const post = (body: string, headers: Record<string, string>) => fetch(inbox(), { method: 'POST', headers: { 'content-type': 'application/activity+json', ...headers }, body });

    it('unsigned and forged requests are refused with 401', async () => {
      const body = JSON.stringify({ id: `${carol.id}/x1`, type: 'Like', actor: carol.id, object: noteId });
      assert.equal((await post(body, {})).status, 401);
      const { privateKeyPem } = await svc.actors.signing(me);
      const forged = signRequest({ keyId: `${carol.id}#main-key`, privateKeyPem, method: 'POST', url: inbox(), body });
      const res = await post(body, forged);
      assert.equal(res.status, 401, await res.text());
    });

    it("a valid signature by one actor on another actor's activity is refused with 403", async () => {
      const body = JSON.stringify({ id: `${carol.id}/x2`, type: 'Like', actor: carol.id, object: noteId });
      const signer = await svc.actors.signing(me);
      const res = await post(body, signRequest({ ...signer, method: 'POST', url: inbox(), body }));
      assert.equal(res.status, 403, await res.text());
    });

    it('a replayed request is refused; a stale Date is refused', async () => {
      const body = JSON.stringify({ id: `${me}/x3`, type: 'Like', actor: me, object: noteId });
      const signer = await svc.actors.signing(me);
      const headers = signRequest({ ...signer, method: 'POST', url: inbox(), body });
      assert.equal((await post(body, headers)).status, 202);
      assert.equal((await post(body, headers)).status, 401);
      const stale = signRequest({ ...signer, method: 'POST', url: inbox(), body, date: new Date(Date.now() - 3 * 3_600_000) });
      assert.equal((await post(body, stale)).status, 401);
    });

    it('an oversized body is refused before it is parsed', async () => {
      const res = await post(JSON.stringify({ id: 'x', type: 'Note', content: 'a'.repeat(2_000_000) }), {});
      assert.equal(res.status, 413);
    });

    it('an actor (key) at 127.0.0.1 is never fetched when private addresses are not allowed', async () => {
      const guarded = new RemoteFetcher({ guard: new AddressGuard({ allowPrivate: false }) });
      await assert.rejects(guarded.getJson(carol.id), /refused: 127\.0\.0\.1 is a private address/);
      const verifier = new InboxVerifier({ keys: new KeyResolver(guarded) });
      const body = JSON.stringify({ id: `${carol.id}/x4`, type: 'Like', actor: carol.id, object: noteId });
      const { privateKeyPem } = await svc.actors.signing(me);
      const headers = signRequest({ keyId: `${carol.id}#main-key`, privateKeyPem, method: 'POST', url: inbox(), body });
      await assert.rejects(verifier.verify({ method: 'POST', path: new URL(inbox()).pathname, headers, body: Buffer.from(body) }, JSON.parse(body)), /private address/);
    });
  });
});
