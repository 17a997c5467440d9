/**
 * activitypub-express's store contract on Postgres, through apex itself where it matters
 * (createActor, JSON-LD form, collection pages): objects, sealed keys, streams and their
 * collections, paging, contexts, and apex's delivery queue.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { createApex } from '../apex/apex-instance.js';
import { render, type AsObject } from '../mapping/index.js';
import { commandFor } from '../mapping/test-support.js';
import { eventFixture } from '../../../libs/events/index.js';
import { ApexPostgresStore } from './apex-postgres-store.js';

describe('ApexPostgresStore (IApexStore on Postgres)', { timeout: 60_000 }, () => {
  let s: TestStore;
  let store: ApexPostgresStore;
  const base = 'https://pontis.example';

  before(async () => {
    s = await createTestStore();
    store = new ApexPostgresStore(s.ds, new SecretBox(randomBytes(32)));
  });
  after(async () => s?.drop());

  it("keeps an actor made by apex; its private key is sealed at rest and returned only when asked for", async () => {
    const apex = await createApex({ baseUrl: base, store, version: 't' });
    const actor = await apex.createActor('alice', 'Alice');
    assert.equal(await store.saveObject(actor), true);
    assert.equal(await store.saveObject(actor), false, 'a duplicate is not inserted');
    const plain = await store.getObject(actor.id as string);
    assert.equal(plain!._meta, undefined);
    const withMeta = await store.getObject(actor.id as string, true);
    assert.match(String((withMeta!._meta as { privateKey: string }).privateKey), /BEGIN PRIVATE KEY/);
    const raw = JSON.stringify(await s.ds.query(`SELECT * FROM ap_objects WHERE id = $1`, [actor.id]));
    assert.ok(!raw.includes('PRIVATE KEY'), 'no key in clear in the table');
    assert.equal(await store.getUserCount(), 1);
    const updated = await store.updateObject({ id: actor.id, name: ['Alice B'], summary: null }, actor.id as string, false);
    assert.deepEqual(updated!.name, ['Alice B']);
    assert.equal(updated!.summary, undefined);
  });

  it('streams: collections, paging newest first by _id, block list, meta add/remove, object copies', async () => {
    const inbox = `${base}/ap/users/alice/inbox`;
    await store.saveObject({ id: 'https://x.example/u/bob', type: 'Person' });
    for (let i = 1; i <= 5; i++) assert.equal(await store.saveActivity({ id: `https://x.example/a/${i}`, type: 'Create', actor: ['https://x.example/u/bob'], object: [{ id: `https://x.example/n/${i}`, type: 'Note', content: [`n${i}`] }], _meta: { collection: [inbox] } }), true);
    assert.equal(await store.saveActivity({ id: 'https://x.example/a/1', type: 'Create', _meta: { collection: [inbox] } }), undefined, 'duplicate → undefined');
    assert.equal(await store.getStreamCount(inbox), 5);
    const page1 = await store.getStream(inbox, 2);
    assert.deepEqual(page1.map((a) => a.id), ['https://x.example/a/5', 'https://x.example/a/4']);
    assert.equal((page1[0]!.actor as { id: string }[])[0]!.id, 'https://x.example/u/bob', 'actor joined from objects');
    const page2 = await store.getStream(inbox, 2, page1[1]!._id as string);
    assert.deepEqual(page2.map((a) => a.id), ['https://x.example/a/3', 'https://x.example/a/2']);
    assert.deepEqual(await store.getStream(inbox, 10, null, ['https://x.example/u/bob']), []);
    await assert.rejects(store.getStream(inbox, 1, 'not-a-cursor'), /invalid page/);
    const meta = await store.updateActivityMeta({ id: 'https://x.example/a/1' }, 'collection', `${base}/ap/users/alice/followers`);
    assert.deepEqual((meta._meta as { collection: string[] }).collection, [inbox, `${base}/ap/users/alice/followers`]);
    assert.ok(await store.findActivityByCollectionAndObjectId(`${base}/ap/users/alice/followers`, 'https://x.example/n/1'));
    assert.ok(await store.findActivityByCollectionAndActorId(`${base}/ap/users/alice/followers`, 'https://x.example/u/bob'));
    await store.updateActivityMeta({ id: 'https://x.example/a/1' }, 'collection', `${base}/ap/users/alice/followers`, true);
    assert.equal(await store.findActivityByCollectionAndActorId(`${base}/ap/users/alice/followers`, 'https://x.example/u/bob'), null);
    await store.saveObject({ id: 'https://x.example/n/2', type: 'Note', content: ['n2'] });
    await store.updateObject({ id: 'https://x.example/n/2', type: 'Note', content: ['edited'] }, 'https://x.example/u/bob', true);
    const a2 = await store.getActivity('https://x.example/a/2');
    assert.deepEqual((a2!.object as { content: string[] }[])[0]!.content, ['edited'], 'the copy embedded in the stream follows the update');
    await store.removeActivity({ id: 'https://x.example/a/5' }, 'https://x.example/u/bob');
    assert.equal(await store.getActivity('https://x.example/a/5'), null);
  });

  it('savePublished writes the object and the activity in one statement, like upsertObject then saveActivity', async () => {
    const outbox = `${base}/ap/users/carol/outbox`;
    const note = { id: `${base}/ap/objects/p1`, type: 'Note', content: ['first'], _meta: { raw: { id: `${base}/ap/objects/p1` } } };
    const create = { id: `${base}/ap/objects/p1/activity`, type: 'Create', actor: [`${base}/ap/users/carol`], object: [note], _meta: { collection: [outbox], raw: {} } };
    assert.equal(await store.savePublished(note, create), true);
    assert.deepEqual((await store.getObject(note.id))!.content, ['first']);
    assert.deepEqual(((await store.getActivity(create.id, true))!._meta as { collection: string[] }).collection, [outbox]);
    // A retry of the same command: the object is replaced, the activity kept (a duplicate → undefined).
    assert.equal(await store.savePublished({ ...note, content: ['again'] }, create), undefined);
    assert.deepEqual((await store.getObject(note.id))!.content, ['again']);
    assert.equal(await store.savePublished(undefined, { id: `${base}/ap/likes/1`, type: 'Like', actor: [`${base}/ap/users/carol`], object: ['https://x.example/n/1'], _meta: { collection: [outbox] } }), true);
    assert.equal(await store.getStreamCount(outbox), 2);
  });

  it("the object embedded in an activity's JSON-LD form is the object's own form (the deliverer runs one pass, not two)", async () => {
    const apex = await createApex({ baseUrl: base, store, version: 't' });
    const { activity } = render(commandFor(eventFixture('post.created')), { baseUrl: base });
    const { '@context': context, object } = activity as AsObject & { object: AsObject };
    const own = await apex.fromJSONLD(structuredClone({ '@context': context, ...object }));
    const embedded = ((await apex.fromJSONLD(structuredClone(activity!))).object as AsObject[])[0];
    assert.deepEqual(embedded, own);
    assert.deepEqual(own.to, ['as:Public'], 'public addressing as apex routes check it');
  });

  it('contexts round-trip; aggregation pipelines are refused, not ignored', async () => {
    await store.saveContext({ contextUrl: null, documentUrl: 'https://example.org/ctx', document: '{"@context":{"x":"https://example.org/x"}}' });
    assert.deepEqual((await store.getContext('https://example.org/ctx'))!.document, { '@context': { x: 'https://example.org/x' } });
    await assert.rejects(store.getStream('c', 1, null, [], [{ $match: {} }]), /MongoDB-only/);
  });

  it("apex's delivery queue: due first, the signing key from the sealed actor row, requeue with backoff", async () => {
    const actorId = `${base}/ap/users/alice`;
    assert.equal(await store.deliveryEnqueue(actorId, '{"a":1}', ['https://r.example/inbox', 'https://q.example/inbox'], 'ignored-key'), true);
    const d = (await store.deliveryDequeue()) as { address: string; signingKey: string; attempt: number; after: Date; actorId: string; body: string };
    assert.equal(d.address, 'https://r.example/inbox');
    assert.match(d.signingKey, /BEGIN PRIVATE KEY/);
    assert.ok(!JSON.stringify(await s.ds.query(`SELECT * FROM ap_delivery_queue`)).includes('PRIVATE'), 'keys are not queued');
    await store.deliveryRequeue({ ...d, after: new Date(Date.now() + 60_000) });
    const d2 = (await store.deliveryDequeue()) as { address: string };
    assert.equal(d2.address, 'https://q.example/inbox');
    const later = (await store.deliveryDequeue()) as { waitUntil?: Date };
    assert.ok(later.waitUntil instanceof Date, 'only a future delivery left');
  });
});
