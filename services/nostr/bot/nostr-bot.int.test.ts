/**
 * The Nostr bot against a REAL relay (@nostr-relay/core in a child process), real Postgres, the
 * in-process bus and real keys (sealed in key_material): a contact list naming the bot opts in, a
 * NIP-04 or NIP-17 `stop` opts out and is answered the same way, a mute list opts out.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as nip04 from 'nostr-tools/nip04';
import * as nip17 from 'nostr-tools/nip17';
import { MemoryBus } from '../../../libs/bus/index.js';
import { coreTopics, TOPICS, validateEvent, type BridgeEvent } from '../../../libs/events/index.js';
import { NostrRelayPeer } from '../../../libs/harness/index.js';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { waitFor } from '../../../libs/testing/index.js';
import { NostrKeys } from '../identity/bridged-keys.js';
import { NostrIngest } from '../ingest/nostr-ingest.js';
import { newKey, signed } from '../ingest/test-events.js';
import type { NostrEvent } from '../mapping/index.js';
import { NostrBot } from './nostr-bot.js';

const now = () => Math.floor(Date.now() / 1000);

describe('the Nostr bot with a real relay', { timeout: 120_000 }, () => {
  let store: TestStore;
  let bus: MemoryBus;
  let relay: NostrRelayPeer;
  let ingest: NostrIngest;
  let bot: NostrBot;
  const seen: BridgeEvent[] = [];

  before(async () => {
    store = await createTestStore();
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: 2 })));
    await bus.subscribe({ groupId: 'collector', topics: [TOPICS.events], handleBatch: async (ms) => void seen.push(...ms.map((m) => validateEvent(JSON.parse(m.value.toString()))) ) });
    relay = new NostrRelayPeer();
    await relay.start();
    const publish = async (e: NostrEvent) => {
      const r = await relay.publish(JSON.parse(JSON.stringify(e)) as NostrEvent);
      if (!r.accepted) throw new Error(`relay refused: ${r.message}`);
    };
    bot = new NostrBot({
      ds: store.ds,
      bus,
      keys: new NostrKeys(store.ds, new SecretBox(randomBytes(32))),
      publish,
      nip05Domain: 'pontis.test',
      publicUrl: 'https://pontis.test',
      optOutTag: 'nobridge',
      onConsentChange: () => void ingest?.refreshWatchList(),
    });
    await bot.start();
    await bot.profileSent;
    ingest = new NostrIngest({ bus, ds: store.ds, readRelays: [relay.info!.url], bot, cursorFlushMs: 100, backoff: { baseMs: 50, maxMs: 400, jitter: 0 } });
    await ingest.start();
    await waitFor(() => ingest.health().connected >= 1, { what: 'the relay connected' });
  });
  after(async () => {
    await ingest?.stop();
    await relay?.stop();
    await bus?.stop();
    await store?.drop();
  });

  const consent = async (pk: string) => (await store.ds.query(`SELECT a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'nostr' AND i.native_id = $1 AND i.kind = 'native'`, [pk]))[0]?.consent as string | undefined;
  const answers = (pk: string) => relay.query({ kinds: [4], authors: [bot.pubkey], '#p': [pk] });

  it('publishes its profile with its NIP-05 name and how it works', async () => {
    const [profile] = await relay.query({ kinds: [0], authors: [bot.pubkey] });
    const content = JSON.parse(profile!.content);
    assert.equal(content.nip05, 'bridge@pontis.test');
    assert.match(content.about, /Follow this account.*Mute it/);
  });

  it('a contact list naming the bot opts in and the person is watched from then on; a NIP-04 `stop` opts out, with a NIP-04 answer', async () => {
    const amy = newKey();
    await relay.publish(signed(amy, { kind: 3, tags: [['p', newKey().pk], ['p', bot.pubkey]] }));
    await waitFor(async () => (await consent(amy.pk)) === 'opted_in', { what: 'opt-in by contact list', timeoutMs: 15_000 });
    // Watched now: her next post is bridged.
    await waitFor(() => ingest['watch'].current.authors.includes(amy.pk), { what: 'amy watched', timeoutMs: 10_000 });
    const post = signed(amy, { kind: 1, content: 'hello after opting in' });
    await relay.publish(post);
    await waitFor(() => seen.some((e) => e.id === `nostr:${post.id}`), { what: 'her post as an event', timeoutMs: 15_000 });

    const stop = signed(amy, { kind: 4, tags: [['p', bot.pubkey]], content: nip04.encrypt(amy.sk, bot.pubkey, 'stop') });
    await relay.publish(stop);
    await waitFor(async () => (await consent(amy.pk)) === 'opted_out', { what: 'opt-out by NIP-04', timeoutMs: 15_000 });
    assert.ok(seen.some((e) => e.type === 'account.deleted' && e.actor.id === amy.pk), 'her copies are removed (optOut)');
    const [answer] = await waitFor(async () => {
      const a = await answers(amy.pk);
      return a.length ? a : undefined;
    }, { what: 'the NIP-04 answer', timeoutMs: 10_000 });
    assert.match(nip04.decrypt(amy.sk, bot.pubkey, answer!.content), /no longer bridged/);
    assert.ok(answer!.tags.some((t) => t[0] === 'e' && t[1] === stop.id));
    const audit = await store.ds.query(`SELECT actor, action, detail->>'via' AS via FROM audit_log ORDER BY id`);
    assert.deepEqual(audit.slice(-2).map((a: { actor: string; action: string; via: string | null }) => `${a.actor} ${a.action}`), ['bot:nostr account.opt-in', 'bot:nostr account.opt-out']);
  });

  it('a NIP-17 `start` opts in and is answered with a gift wrap; a mute list naming the bot opts out', async () => {
    const ben = newKey();
    const wrap = nip17.wrapEvent(ben.sk, { publicKey: bot.pubkey }, 'start');
    await relay.publish(JSON.parse(JSON.stringify(wrap)) as NostrEvent);
    await waitFor(async () => (await consent(ben.pk)) === 'opted_in', { what: 'opt-in by NIP-17', timeoutMs: 15_000 });
    const replies = await waitFor(async () => {
      const wraps = await relay.query({ kinds: [1059], '#p': [ben.pk] });
      const opened = wraps.map((w) => nip17.unwrapEvent(w, ben.sk)).filter((r) => r.pubkey === bot.pubkey);
      return opened.length ? opened : undefined;
    }, { what: 'the gift-wrapped answer', timeoutMs: 10_000 });
    assert.match(replies[0]!.content, /bridged from now on/);

    await relay.publish(signed(ben, { kind: 10000, tags: [['p', bot.pubkey]], created_at: now() }));
    await waitFor(async () => (await consent(ben.pk)) === 'opted_out', { what: 'opt-out by mute list', timeoutMs: 15_000 });
  });

  it('a stranger messaging anything else gets the help text and no account', async () => {
    const cy = newKey();
    await relay.publish(signed(cy, { kind: 4, tags: [['p', bot.pubkey]], content: nip04.encrypt(cy.sk, bot.pubkey, 'hello?') }));
    const [answer] = await waitFor(async () => {
      const a = await answers(cy.pk);
      return a.length ? a : undefined;
    }, { what: 'the help text', timeoutMs: 10_000 });
    assert.match(nip04.decrypt(cy.sk, bot.pubkey, answer!.content), /Send "start"/);
    assert.equal(await consent(cy.pk), undefined);
  });
});
