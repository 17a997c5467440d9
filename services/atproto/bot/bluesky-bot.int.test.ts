/**
 * The Bluesky bot on a REAL PDS + PLC (dev-env, child process), the real firehose, Postgres and
 * the in-process bus: the bot account is created once with its profile; a follow of it from a repo
 * nobody watches opts that DID in (through the firehose pre-filter) and their next post arrives; a
 * block opts them out and their copies are removed; unfollowing changes nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Recorder } from '../../../libs/adapter/testing.js';
import { MemoryBus } from '../../../libs/bus/index.js';
import { coreTopics, TOPICS, type BridgeEvent } from '../../../libs/events/index.js';
import { AtprotoPeer } from '../../../libs/harness/index.js';
import { KeyStore, SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { waitFor } from '../../../libs/testing/index.js';
import { PdsAccounts } from '../identity/pds-accounts.js';
import { SessionPool } from '../identity/session-pool.js';
import { FirehoseIngest } from '../ingest/firehose-ingest.js';
import { BlueskyBot } from './bluesky-bot.js';

describe('the Bluesky bot (real PDS + PLC + firehose)', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: AtprotoPeer;
  let bus: MemoryBus;
  let rec: Recorder;
  let ingest: FirehoseIngest;
  let bot: BlueskyBot;
  let keys: KeyStore;
  let accounts: PdsAccounts;
  let pdsUrl: string;
  const events = () => rec.json<BridgeEvent>(TOPICS.events);
  const makeBot = () =>
    new BlueskyBot({
      ds: s.ds,
      bus,
      keys,
      pdsUrl,
      accounts,
      handle: null,
      publicUrl: 'https://pontis.test',
      optOutTag: 'nobridge',
      handleOf: async () => undefined,
      onConsentChange: () => void ingest?.watch.refresh(),
    });

  before(async () => {
    s = await createTestStore();
    peer = new AtprotoPeer();
    const info = await peer.start();
    pdsUrl = info.pdsUrl;
    keys = new KeyStore(s.ds, new SecretBox(randomBytes(32)));
    accounts = new PdsAccounts({ ds: s.ds, keys, sessions: new SessionPool(keys), pdsUrl, adminPassword: info.adminPassword, handleDomain: '.test', plcUrl: info.plcUrl });
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: 2 })));
    rec = await Recorder.on(bus, [TOPICS.events]);
    bot = makeBot();
    await bot.start();
    ingest = new FirehoseIngest({
      bus,
      ds: s.ds,
      service: pdsUrl.replace(/^http/, 'ws'),
      plcUrl: info.plcUrl,
      pdsUrl,
      allowPrivateAddresses: false,
      blobUrl: (did, cid) => `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${cid}`,
      cursorName: 'atproto.firehose:bot-test',
      watchRefreshMs: 60_000,
      bot: { did: bot.did, onSignal: (did, kind, seq) => bot.onSignal(did, kind, seq) },
    });
    await ingest.start();
  });
  after(async () => {
    await ingest?.stop().catch(() => undefined);
    await rec?.stop();
    await bus?.stop();
    await peer?.stop();
    await s?.drop();
  });

  const consent = async (did: string) => (await s.ds.query(`SELECT a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'atproto' AND i.native_id = $1 AND i.kind = 'native'`, [did]))[0]?.consent as string | undefined;

  it('is created once, named bridge.<handle domain>, with a profile saying how it works; a restart finds the same account', async () => {
    assert.equal(bot.handle, 'bridge.test');
    const profile = await fetch(`${pdsUrl}/xrpc/com.atproto.repo.getRecord?repo=${bot.did}&collection=app.bsky.actor.profile&rkey=self`).then((r) => r.json() as Promise<{ value: { description: string } }>);
    assert.match(profile.value.description, /Follow this account to have your posts bridged; Block it/);
    const again = makeBot();
    await again.start();
    assert.equal(again.did, bot.did);
  });

  it('a follow from an unwatched repo opts it in (their next post arrives); unfollow keeps them; a block opts out and removes their copies', async () => {
    const dee = await peer.createAccount({ handle: 'dee-bot.test', email: 'dee@bot.example', password: 'dee-pass-123' });
    const agent = await peer.login(dee.handle, dee.password);
    const before = await agent.com.atproto.repo.createRecord({ repo: dee.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: 'before opting in', createdAt: new Date().toISOString() } });
    // A follow of someone else from an unwatched repo is nothing to us.
    await agent.com.atproto.repo.createRecord({ repo: dee.did, collection: 'app.bsky.graph.follow', record: { $type: 'app.bsky.graph.follow', subject: 'did:plc:someoneelse000000000000', createdAt: new Date().toISOString() } });
    const follow = await agent.com.atproto.repo.createRecord({ repo: dee.did, collection: 'app.bsky.graph.follow', record: { $type: 'app.bsky.graph.follow', subject: bot.did, createdAt: new Date().toISOString() } });
    await waitFor(async () => (await consent(dee.did)) === 'opted_in', { what: 'opt-in by follow', timeoutMs: 30_000 });
    assert.ok(!events().some((e) => e.source.id.includes(before.data.uri.split('/').pop()!)), 'nothing from before the opt-in');
    assert.ok(!events().some((e) => e.type === 'follow.created' && e.actor.id === dee.did), 'the follow of the bot is not bridged');

    const after = await agent.com.atproto.repo.createRecord({ repo: dee.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: 'after opting in', createdAt: new Date().toISOString() } });
    await waitFor(() => events().find((e) => e.type === 'post.created' && e.actor.id === dee.did && e.object?.text === 'after opting in'), { what: 'her post as an event', timeoutMs: 30_000 });
    assert.ok(after.data.uri);

    await agent.com.atproto.repo.deleteRecord({ repo: dee.did, collection: 'app.bsky.graph.follow', rkey: follow.data.uri.split('/').pop()! });
    const marker = await agent.com.atproto.repo.createRecord({ repo: dee.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: 'still here', createdAt: new Date().toISOString() } });
    await waitFor(() => events().find((e) => e.object?.text === 'still here'), { what: 'a post after the unfollow', timeoutMs: 30_000 });
    assert.equal(await consent(dee.did), 'opted_in', 'unfollowing the bot does not opt out');
    assert.ok(marker.data.uri);

    await agent.com.atproto.repo.createRecord({ repo: dee.did, collection: 'app.bsky.graph.block', record: { $type: 'app.bsky.graph.block', subject: bot.did, createdAt: new Date().toISOString() } });
    await waitFor(async () => (await consent(dee.did)) === 'opted_out', { what: 'opt-out by block', timeoutMs: 30_000 });
    await waitFor(() => events().find((e) => e.type === 'account.deleted' && e.actor.id === dee.did), { what: 'the removal of her copies', timeoutMs: 10_000 });
    const audit = await s.ds.query(`SELECT actor, action, detail->>'via' AS via FROM audit_log ORDER BY id`);
    assert.deepEqual(audit.map((a: { actor: string; action: string }) => `${a.actor} ${a.action}`), ['bot:atproto account.opt-in', 'bot:atproto account.opt-out']);
  });
});
