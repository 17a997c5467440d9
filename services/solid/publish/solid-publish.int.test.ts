import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { commandFor, Recorder } from '../../../libs/adapter/testing.js';
import { DeliveryError, OutboundRunner } from '../../../libs/adapter/index.js';
import { MemoryBus } from '../../../libs/bus/index.js';
import { eventFixture, outboundTopic, parkedTopic, TOPICS, type Receipt } from '../../../libs/events/index.js';
import { seedAccount, waitFor } from '../../../libs/testing/index.js';
import { inboxCopyUrl } from '../mapping/index.js';
import { fediversePerson, fediversePost as post, grant, personWithGrant, revoke, startWorld, type SolidWorld } from '../test-support.js';
import { SolidLinkService } from '../identity/index.js';
import { PodClient } from '../pod/index.js';
import { SolidDeliverer } from './solid-deliverer.js';

// A real Community Solid Server (child process, memory storage, random port) and Postgres.

describe('Solid publishing into pods (real CSS)', { timeout: 180_000 }, () => {
  let w: SolidWorld;
  let deliverer: SolidDeliverer;
  let carol: string;

  before(async () => {
    w = await startWorld();
    deliverer = new SolidDeliverer({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, provisioner: w.provisioner, bridgeUrl: 'http://pontis.test' });
    carol = await fediversePerson(w, 'carol');
  });
  after(async () => w?.close());

  it('a post from the fediverse lands in the bridged pod’s outbox, world-readable, and a retry writes nothing new', async () => {
    const cmd = commandFor(post('1'), 'solid', carol);
    const r = await deliverer.deliver(cmd);
    const url = r.ref!.id;
    const pod = await w.repo.byAccount(carol, 'bridged');
    assert.ok(pod?.ready && url.startsWith(`${pod.socialUrl}outbox/`));
    const anon = await fetch(url, { headers: { accept: 'application/ld+json' } });
    assert.equal(anon.status, 200, 'public posts are world-readable');
    const body = (await anon.json()) as Record<string, unknown>;
    assert.equal(body.type, 'Note');
    assert.equal(body.attributedTo, pod.webId);
    assert.equal((body.url as { href: string }).href, 'https://mastodon.example/@carol/1');
    assert.deepEqual(await deliverer.deliver(cmd), r);
    const listing = await w.client.list(`${pod.socialUrl}outbox/`);
    assert.equal(listing.members.length, 1);
    assert.equal((await fetch(`${pod.socialUrl}outbox/`)).status, 200, 'anyone may list a bridged outbox');
    assert.equal((await fetch(`${pod.socialUrl}inbox/`)).status, 401, 'but not the inbox');
    // Type index registered and linked from the WebID profile.
    const profile = await (await fetch(pod.webId.replace(/#.*$/, ''), { headers: { accept: 'text/turtle' } })).text();
    assert.match(profile, /publicTypeIndex/);
    const index = await fetch(new URL('settings/publicTypeIndex.ttl', pod.storageUrl), { headers: { accept: 'text/turtle' } });
    assert.equal(index.status, 200);
    assert.match(await index.text(), /social\/outbox\//);
  });

  it('a public post costs two requests to the pod server: the note and its ACL', async () => {
    const requests: string[] = [];
    const counting = new PodClient({
      fetch: (url: string, init?: RequestInit & { timeoutMs?: number }) => {
        requests.push(`${init?.method ?? 'GET'} ${url}`);
        return w.session.fetch(url, init);
      },
    });
    const d = new SolidDeliverer({ ds: w.store.ds, client: counting, bridgeWebId: w.bridgeWebId, provisioner: w.provisioner, bridgeUrl: 'http://pontis.test' });
    await d.deliver(commandFor(post('c1'), 'solid', carol)); // the pod exists already; this process may still have to learn where ACLs live
    for (const n of ['c2', 'c3', 'c4']) {
      requests.length = 0;
      const url = (await d.deliver(commandFor(post(n), 'solid', carol))).ref!.id;
      assert.deepEqual(requests, [`PUT ${url}`, `PUT ${url}.acl`]);
      assert.equal((await fetch(url)).status, 200, 'world-readable');
    }
  });

  it('the bridged WebID exists once per account and its pod answers the account API’s way', async () => {
    const a = await w.provisioner.provisionIdentity(carol);
    const b = await w.provisioner.provisionIdentity(carol);
    assert.equal(a.webId, b.webId);
    const rows = await w.store.ds.query(`SELECT native_id, kind FROM identities WHERE account_id = $1 AND network = 'solid'`, [carol]);
    assert.deepEqual(rows, [{ native_id: a.webId, kind: 'bridged' }]);
  });

  it('replies and likes to a Solid person’s post reach their inbox; deleting the like removes the notice', async () => {
    const alice = await personWithGrant(w, 'alice');
    const aliceAccount = await seedAccount(w.store.ds, [{ network: 'solid', id: alice.account.webId, kind: 'native' }]);
    const identity = (await w.store.ds.query(`SELECT id FROM identities WHERE account_id = $1`, [aliceAccount]))[0].id;
    await w.repo.insert({ accountId: aliceAccount, identityId: identity, webId: alice.account.webId, storageUrl: alice.account.podUrl, socialUrl: alice.socialUrl, mode: 'linked' });
    const original = `${alice.socialUrl}outbox/first`;
    const reply = post('2');
    const r = await deliverer.deliver(commandFor(reply, 'solid', carol, { refs: { replyTo: { network: 'solid', id: original, original: true } } }));
    const notice = await alice.personal.fetch(inboxCopyUrl(alice.socialUrl, r.ref!.id), { headers: { accept: 'application/ld+json' } });
    assert.equal(notice.status, 200);
    const n = (await notice.json()) as Record<string, any>;
    assert.equal(n.type, 'Create');
    assert.equal(n.object.inReplyTo, original);
    assert.equal((await fetch(inboxCopyUrl(alice.socialUrl, r.ref!.id))).status, 401, 'inbox notices are not public');

    const like = eventFixture('reaction.added');
    const liked = await deliverer.deliver(commandFor(like, 'solid', carol, { refs: { target: { network: 'solid', id: original, original: true } } }));
    const likeNotice = inboxCopyUrl(alice.socialUrl, liked.ref!.id);
    assert.equal((await alice.personal.fetch(likeNotice)).status, 200);
    const unlike = eventFixture('reaction.removed');
    await deliverer.deliver(commandFor(unlike, 'solid', carol, { refs: { target: { network: 'solid', id: liked.ref!.id, original: false } } }));
    assert.equal((await w.client.get(liked.ref!.id)).status, 404);
    assert.equal((await alice.personal.fetch(likeNotice)).status, 404);

    // Alice takes the bridge's access away: the next reply still exists in carol's pod, Alice's pod shows why it got no notice.
    await revoke(alice.personal, alice.socialUrl, alice.account.webId);
    const r2 = await deliverer.deliver(commandFor(post('3'), 'solid', carol, { refs: { replyTo: { network: 'solid', id: original, original: true } } }));
    assert.equal((await fetch(r2.ref!.id)).status, 200);
    const pod = await w.repo.byWebId(alice.account.webId);
    assert.equal(pod?.access, 'revoked');
    assert.match(pod!.lastError!, /no longer grants the bridge's WebID access/);
  });

  it('edits overwrite, deletes remove, a profile lands in social/profile', async () => {
    const created = await deliverer.deliver(commandFor(post('4'), 'solid', carol));
    const upd = eventFixture('post.updated');
    upd.object!.text = 'edited text';
    upd.object!.html = undefined;
    await deliverer.deliver(commandFor(upd, 'solid', carol, { refs: { target: { network: 'solid', id: created.ref!.id, original: false } } }));
    const body = (await (await fetch(created.ref!.id, { headers: { accept: 'application/ld+json' } })).json()) as Record<string, unknown>;
    assert.match(String(body.content), /edited text/);
    await deliverer.deliver(commandFor(eventFixture('post.deleted'), 'solid', carol, { refs: { target: { network: 'solid', id: created.ref!.id, original: false } } }));
    assert.equal((await w.client.get(created.ref!.id)).status, 404);
    const prof = await deliverer.deliver(commandFor(eventFixture('profile.updated'), 'solid', carol));
    const p = (await (await fetch(prof.ref!.id, { headers: { accept: 'application/ld+json' } })).json()) as Record<string, unknown>;
    assert.equal(p.name, eventFixture('profile.updated').profile!.displayName);
  });

  it('through the outbound runner: one copy, a receipt with its ref, a replay only re-sends the receipt', async () => {
    const bus = new MemoryBus({ backoff: { baseMs: 20, maxMs: 200, jitter: 0 } });
    await bus.start();
    await bus.ensureTopics([outboundTopic('solid'), parkedTopic('solid'), TOPICS.receipts, TOPICS.deadLetter].map((topic) => ({ topic, partitions: 2 })));
    const rec = await Recorder.on(bus, [TOPICS.receipts, TOPICS.deadLetter]);
    const runner = new OutboundRunner({ bus, ds: w.store.ds, network: 'solid', deliver: deliverer.deliver, inlineBudgetMs: 200 });
    await runner.start();
    try {
      const cmd = commandFor(post('7'), 'solid', carol);
      const send = () => bus.publish(outboundTopic('solid'), [{ key: carol, value: JSON.stringify(cmd) }]);
      await send();
      const first = await waitFor(() => rec.json<Receipt>(TOPICS.receipts).find((r) => r.commandId === cmd.id), { what: 'receipt', timeoutMs: 30_000 });
      assert.equal(first.status, 'delivered');
      assert.ok(first.ref?.id.includes('/social/outbox/'));
      await send();
      await waitFor(() => rec.json<Receipt>(TOPICS.receipts).filter((r) => r.commandId === cmd.id).length === 2, { what: 'second receipt', timeoutMs: 30_000 });
      const [ledger] = await w.store.ds.query(`SELECT status, attempts, native_id FROM deliveries WHERE command_id = $1`, [cmd.id]);
      assert.deepEqual(ledger, { status: 'delivered', attempts: 1, native_id: first.ref!.id });
      // The archive of someone who never linked a pod: dead-lettered with the reason, the stream goes on.
      const stranger = await seedAccount(w.store.ds, [{ network: 'nostr', id: 'b'.repeat(64), kind: 'native' }]);
      const native = commandFor(post('8'), 'solid', stranger);
      native.as.mode = 'native';
      await bus.publish(outboundTopic('solid'), [{ key: stranger, value: JSON.stringify(native) }]);
      const dead = await waitFor(() => rec.json<Receipt>(TOPICS.receipts).find((r) => r.commandId === native.id), { what: 'dead receipt', timeoutMs: 30_000 });
      assert.equal(dead.status, 'dead');
      assert.match(dead.reason!, /no linked Solid pod/);
    } finally {
      await runner.stop();
      await rec.stop();
      await bus.stop();
    }
  });

  it('attachments are copied into social/media/ (public like their post); an unreachable one stays linked at its origin', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a8d6b2fe0000000049454e44ae426082', 'hex');
    const server = createServer((req, res) => (req.url === '/cat.png' ? res.writeHead(200, { 'content-type': 'image/png' }).end(png) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const e = post('9');
      e.object!.attachments = [
        { url: `http://127.0.0.1:${port}/cat.png`, mediaType: 'image/png', alt: 'a tiny cat' },
        { url: `http://127.0.0.1:1/gone.jpg`, mediaType: 'image/jpeg', alt: 'unreachable' },
      ];
      const r = await deliverer.deliver(commandFor(e, 'solid', carol));
      const note = (await (await fetch(r.ref!.id, { headers: { accept: 'application/ld+json' } })).json()) as Record<string, any>;
      const [copied, linked] = note.attachment as Record<string, any>[];
      assert.ok(Array.isArray(copied!.url) && String(copied!.url[0]).includes('/social/media/'), JSON.stringify(copied));
      assert.equal(copied!.url[1].href, `http://127.0.0.1:${port}/cat.png`);
      const bin = await fetch(copied!.url[0]);
      assert.equal(bin.status, 200, 'public post, public media');
      assert.equal(bin.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await bin.arrayBuffer()), png);
      assert.equal(linked!.url, 'http://127.0.0.1:1/gone.jpg');
    } finally {
      server.close();
    }
  });

  it('archive: a linked person who chose it gets their posts from other networks copied into their own pod', async () => {
    const dana = await personWithGrant(w, 'dana');
    const link = new SolidLinkService({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId });
    const { accountId } = await link.link(dana.account.webId);
    const [before] = await w.store.ds.query(`SELECT mirror FROM accounts WHERE id = $1`, [accountId]);
    assert.deepEqual(before.mirror, { solid: 'off' }, 'no archive until chosen');
    const off = commandFor(post('10', 'https://mastodon.example/users/dana'), 'solid', accountId);
    off.as.mode = 'native';
    assert.match((await deliverer.deliver(off)).skipped!, /not chosen to archive/);
    await link.setArchive(dana.account.webId, true);
    // Dana takes the bridge's access away: her archive command fails with the reason and leaves no copy behind.
    await revoke(dana.personal, dana.socialUrl, dana.account.webId);
    const refused = commandFor(post('12', 'https://mastodon.example/users/dana'), 'solid', accountId);
    refused.as.mode = 'native';
    await assert.rejects(deliverer.deliver(refused), (e: unknown) => e instanceof DeliveryError && e.kind === 'permanent' && /no longer grants the bridge's WebID access/.test(e.message));
    assert.deepEqual(await w.store.ds.query(`SELECT 1 FROM object_map WHERE object_key = $1`, [refused.objectKey]), []);
    assert.equal((await w.repo.byWebId(dana.account.webId))!.access, 'revoked');
    await grant(dana.personal, dana.socialUrl, dana.account.webId, w.bridgeWebId);
    await w.repo.setAccess((await w.repo.byWebId(dana.account.webId))!.id, 'ok', null); // what the next reconciliation does
    const [after] = await w.store.ds.query(`SELECT mirror FROM accounts WHERE id = $1`, [accountId]);
    assert.equal(after.mirror.solid, 'native', 'the translator now sends their posts to their own pod');
    const on = commandFor(post('11', 'https://mastodon.example/users/dana'), 'solid', accountId);
    on.as.mode = 'native';
    const r = await deliverer.deliver(on);
    assert.ok(r.ref!.id.startsWith(`${dana.socialUrl}outbox/`));
    const copy = await dana.personal.fetch(r.ref!.id, { headers: { accept: 'application/ld+json' } });
    assert.equal(copy.status, 200);
    assert.equal(((await copy.json()) as Record<string, unknown>).attributedTo, dana.account.webId);
    await assert.rejects(link.setArchive('http://localhost/nobody#me', true), /not linked/);
  });

  it('without an account or for a person who has not chosen the archive: a clear answer, nothing written', async () => {
    await assert.rejects(deliverer.deliver(commandFor(post('5'), 'solid', 'not-an-account')), (e: unknown) => e instanceof DeliveryError && e.kind === 'permanent');
    const nobody = await seedAccount(w.store.ds, [{ network: 'nostr', id: 'a'.repeat(64), kind: 'native' }]);
    const cmd = commandFor(post('6'), 'solid', nobody);
    cmd.as.mode = 'native';
    await assert.rejects(deliverer.deliver(cmd), /no linked Solid pod/);
  });
});
