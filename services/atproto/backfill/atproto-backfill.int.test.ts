import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backfillRig, type BackfillRig } from '../../../libs/backfill/testing.js';
import { AtprotoPeer, type AtprotoAccount } from '../../../libs/harness/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { AtprotoBackfillSource } from './atproto-backfill-source.js';

// The real PDS + PLC (@atproto/dev-env, child process), Kafka on 127.0.0.1:9092 under a topic
// prefix, Postgres on 127.0.0.1:5432, the real translator.

describe('Bluesky backfill: listRecords on the person’s PDS, roots by getRecord, through the translator', { timeout: 180_000 }, () => {
  const peer = new AtprotoPeer();
  let rig: BackfillRig;
  let alice: AtprotoAccount;
  let bob: AtprotoAccount;
  let source: AtprotoBackfillSource;
  let aliceAccount: string;
  const uris: Record<string, string> = {};
  const at = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  before(async () => {
    const info = await peer.start();
    rig = await backfillRig('atproto');
    alice = await peer.createAccount({ handle: 'alice-bf.test', email: 'alice-bf@example.com', password: 'alice-pass-123' });
    bob = await peer.createAccount({ handle: 'bob-bf.test', email: 'bob-bf@example.com', password: 'bob-pass-123' });
    const post = async (who: AtprotoAccount, key: string, text: string, minutesAgo: number, reply?: { uri: string; cid: string }) => {
      const agent = await peer.login(who.handle, who.password);
      const record = { $type: 'app.bsky.feed.post', text, createdAt: at(minutesAgo), ...(reply ? { reply: { root: reply, parent: reply } } : {}) };
      const res = await agent.com.atproto.repo.createRecord({ repo: who.did, collection: 'app.bsky.feed.post', record });
      uris[key] = res.data.uri;
      return { uri: res.data.uri, cid: res.data.cid };
    };
    const root = await post(bob, 'root', 'bob starts a thread', 10);
    await post(alice, 'a1', 'alice 1', 9);
    await post(alice, 'reply', 'alice answers bob', 8, root);
    await post(alice, 'a2', 'alice 2', 7);
    await post(alice, 'a3', 'alice 3', 6);
    aliceAccount = await seedAccount(rig.store.ds, [{ network: 'atproto', id: alice.did, handle: alice.handle, kind: 'native' }]);
    await seedAccount(rig.store.ds, [{ network: 'atproto', id: bob.did, handle: bob.handle, kind: 'native' }]);
    source = new AtprotoBackfillSource({ plcUrl: info.plcUrl, allowPrivate: true });
  });

  after(async () => {
    await rig?.close();
    await peer.stop();
  });

  it('maps the records like the firehose and refuses what the PDS does not have', async () => {
    const posts = await source.latestPosts(alice.did, 2);
    assert.deepEqual(posts.map((p) => p.id).sort(), [`atproto:${uris.a2}`, `atproto:${uris.a3}`].sort(), 'the newest two');
    assert.equal(posts[0]!.actor.handle, alice.handle);
    assert.equal(await source.post({ network: 'atproto', id: `at://${bob.did}/app.bsky.feed.post/3zzzzzzzzzzzz` }), undefined);
  });

  it('publishes the last posts and the reply’s root once each, oldest first, and settles when every network has them', async () => {
    const job = await rig.runJob(source, aliceAccount, 5);
    assert.deepEqual({ state: job.state, found: job.found, bridged: job.bridged, skipped: job.skipped, failed: job.failed }, { state: 'done', found: 5, bridged: 5, skipped: 0, failed: 0 });
    // Bob's root is the oldest: it goes first, then Alice's posts in their order.
    const expected = ['root', 'a1', 'reply', 'a2', 'a3'].map((k) => `atproto:${uris[k]}`);
    for (const network of ['activitypub', 'nostr', 'solid'] as const) {
      assert.deepEqual(rig.delivered.get(network)!.map((c) => c.eventId), expected, network);
      const reply = rig.delivered.get(network)!.find((c) => c.eventId === `atproto:${uris.reply}`)!;
      assert.equal(reply.refs.replyTo?.id, `copy:atproto:${uris.root}>${network}`);
    }
  });
});
