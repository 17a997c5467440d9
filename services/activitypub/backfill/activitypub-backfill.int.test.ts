import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backfillRig, type BackfillRig } from '../../../libs/backfill/testing.js';
import { ActivityPubPeer } from '../../../libs/harness/index.js';
import { AddressGuard } from '../../../libs/net/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { RemoteFetcher } from '../federation/remote-fetch.js';
import { ActivityPubBackfillSource } from './activitypub-backfill-source.js';

// The real Fedify server (child process), Kafka on 127.0.0.1:9092 under a topic prefix, Postgres on
// 127.0.0.1:5432, the real translator.

describe('fediverse backfill: the person’s outbox, the parent by its id, through the translator', { timeout: 180_000 }, () => {
  const peer = new ActivityPubPeer();
  let rig: BackfillRig;
  let source: ActivityPubBackfillSource;
  let aliceAccount: string;
  let alice: string;
  const notes: Record<string, string> = {};

  before(async () => {
    await peer.start();
    rig = await backfillRig('activitypub');
    alice = (await peer.createUser('alicebf')).id;
    const bob = (await peer.createUser('bobbf')).id;
    notes.root = (await peer.createNote('bobbf', { content: '<p>bob starts a thread</p>' })).noteId;
    for (const [key, content, inReplyTo] of [['a1', 'alice 1'], ['reply', 'alice answers bob', notes.root], ['a2', 'alice 2'], ['a3', 'alice 3'], ['a4', 'alice 4']] as const) {
      await new Promise((r) => setTimeout(r, 20)); // distinct published times
      notes[key] = (await peer.createNote('alicebf', { content: `<p>${content}</p>`, ...(inReplyTo ? { inReplyTo } : {}) })).noteId;
    }
    aliceAccount = await seedAccount(rig.store.ds, [{ network: 'activitypub', id: alice, kind: 'native' }]);
    await seedAccount(rig.store.ds, [{ network: 'activitypub', id: bob, kind: 'native' }]);
    source = new ActivityPubBackfillSource({ fetcher: new RemoteFetcher({ guard: new AddressGuard({ allowPrivate: true }) }), ownOrigins: ['https://pontis.invalid'] });
  });

  after(async () => {
    await rig?.close();
    await peer.stop();
  });

  it('reads the outbox and maps like the inbox; an object that is not there is undefined', async () => {
    const posts = await source.latestPosts(alice, 5);
    assert.deepEqual(new Set(posts.map((p) => p.id)), new Set(['a1', 'reply', 'a2', 'a3', 'a4'].map((k) => `activitypub:${notes[k]}`)));
    assert.equal(posts.find((p) => p.id === `activitypub:${notes.reply}`)!.object!.replyTo?.id, notes.root);
    assert.equal(posts[0]!.actor.handle, `@alicebf@${new URL(alice).host}`);
    assert.equal((await source.post({ network: 'activitypub', id: notes.root! }))?.id, `activitypub:${notes.root}`);
    assert.equal(await source.post({ network: 'activitypub', id: `${alice}/notes/nothing-here` }), undefined);
  });

  it('publishes the newest four and the reply’s parent once each, oldest first', async () => {
    const job = await rig.runJob(source, aliceAccount, 4);
    assert.deepEqual({ state: job.state, found: job.found, bridged: job.bridged, skipped: job.skipped, failed: job.failed }, { state: 'done', found: 5, bridged: 5, skipped: 0, failed: 0 });
    const expected = ['root', 'reply', 'a2', 'a3', 'a4'].map((k) => `activitypub:${notes[k]}`);
    for (const network of ['atproto', 'nostr', 'solid'] as const) assert.deepEqual(rig.delivered.get(network)!.map((c) => c.eventId), expected, network);
  });
});
