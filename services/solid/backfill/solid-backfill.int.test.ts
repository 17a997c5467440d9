import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backfillRig, type BackfillRig } from '../../../libs/backfill/testing.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { AS2_CONTEXT } from '../mapping/index.js';
import { PodRepository } from '../pod/index.js';
import { personWithGrant, startWorld, type SolidWorld } from '../test-support.js';
import { SolidBackfillSource } from './solid-backfill-source.js';

// A real Community Solid Server (child process) with two people's own pods that granted the bridge's
// WebID, Kafka on 127.0.0.1:9092 under a topic prefix, Postgres on 127.0.0.1:5432, the real translator.

describe('Solid backfill: posts out of a linked pod’s outbox, the parent from a watched pod, through the translator', { timeout: 240_000 }, () => {
  let w: SolidWorld;
  let rig: BackfillRig;
  let source: SolidBackfillSource;
  let aliceAccount: string;
  let aliceWebId: string;
  const urls: Record<string, string> = {};

  before(async () => {
    w = await startWorld();
    rig = await backfillRig('solid');
    const repo = new PodRepository(rig.store.ds);
    const people = [await personWithGrant(w, 'alicebf'), await personWithGrant(w, 'bobbf')];
    const accounts: string[] = [];
    for (const p of people) {
      const account = await seedAccount(rig.store.ds, [{ network: 'solid', id: p.account.webId, kind: 'native' }]);
      const [identity]: { id: string }[] = await rig.store.ds.query(`SELECT id FROM identities WHERE account_id = $1`, [account]);
      // What linking records (SolidLinkService; its webhooks are not needed here).
      await repo.markReady(await repo.insert({ accountId: account, identityId: identity!.id, webId: p.account.webId, storageUrl: p.account.podUrl, socialUrl: p.socialUrl, mode: 'linked' }));
      accounts.push(account);
    }
    const [alice, bob] = people as [(typeof people)[0], (typeof people)[0]];
    aliceAccount = accounts[0]!;
    aliceWebId = alice.account.webId;
    const put = async (who: typeof alice, key: string, text: string, minutesAgo: number, inReplyTo?: string) => {
      const url = `${who.socialUrl}outbox/${key}`;
      const body = JSON.stringify({ '@context': AS2_CONTEXT, type: 'Note', attributedTo: who.account.webId, content: text, mediaType: 'text/plain', to: ['https://www.w3.org/ns/activitystreams#Public'], published: new Date(Date.now() - minutesAgo * 60_000).toISOString(), ...(inReplyTo ? { inReplyTo } : {}) });
      const res = await who.personal.fetch(url, { method: 'PUT', headers: { 'content-type': 'application/ld+json' }, body });
      assert.ok(res.ok, `PUT ${url}: ${res.status}`);
      urls[key] = url;
    };
    await put(bob, 'root', 'bob starts a thread', 10);
    // Names sort differently from times: the pod's listing says nothing about order.
    await put(alice, 'zz-first', 'alice 1', 9);
    await put(alice, 'reply', 'alice answers bob', 8, urls.root);
    await put(alice, 'aa-second', 'alice 2', 7);
    await put(alice, 'mm-third', 'alice 3', 6);
    source = new SolidBackfillSource({ client: w.client, repo });
  });

  after(async () => {
    await rig?.close();
    await w?.close();
  });

  it('reads every outbox member and maps it like the reconciler', async () => {
    const posts = await source.latestPosts(aliceWebId, 4);
    assert.deepEqual(posts.map((p) => p.id).sort(), ['zz-first', 'reply', 'aa-second', 'mm-third'].map((k) => `solid:${urls[k]}`).sort());
    assert.equal(posts.find((p) => p.id === `solid:${urls.reply}`)!.object!.replyTo?.id, urls.root);
    assert.equal(await source.post({ network: 'solid', id: 'https://elsewhere.example/social/outbox/x' }), undefined, 'not a watched pod: not asked');
  });

  it('publishes the last posts and the reply’s parent once each, oldest first', async () => {
    const job = await rig.runJob(source, aliceAccount, 4);
    assert.deepEqual({ state: job.state, found: job.found, bridged: job.bridged, skipped: job.skipped, failed: job.failed }, { state: 'done', found: 5, bridged: 5, skipped: 0, failed: 0 });
    const expected = ['root', 'zz-first', 'reply', 'aa-second', 'mm-third'].map((k) => `solid:${urls[k]}`);
    for (const network of ['activitypub', 'atproto', 'nostr'] as const) assert.deepEqual(rig.delivered.get(network)!.map((c) => c.eventId), expected, network);
  });
});
