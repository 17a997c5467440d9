import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryBus } from '../bus/index.js';
import { coreTopics, parseEvent, TOPICS } from '../events/index.js';
import { createTestStore, type TestStore } from '../store/testing.js';
import { seedAccount } from '../testing/index.js';
import { changeAccountConsent, changeNativeConsent } from './consent-change.js';

describe('consent changes from the bots and the API, on the real Postgres', { timeout: 60_000 }, () => {
  let store: TestStore;
  let bus: MemoryBus;
  const received: string[] = [];
  before(async () => {
    store = await createTestStore();
    bus = new MemoryBus();
    await bus.start();
    await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: 1 })));
    await bus.subscribe({ groupId: 'g', topics: [TOPICS.events], handleBatch: async (ms) => void received.push(...ms.map((m) => m.value.toString())) });
  });
  after(async () => {
    await bus?.stop();
    await store?.drop();
  });
  const audit = async (accountId: string) => (await store.ds.query(`SELECT actor, action, detail FROM audit_log WHERE target = $1 ORDER BY id`, [`account:${accountId}`])) as { actor: string; action: string; detail: Record<string, string> }[];
  const consent = async (accountId: string) => (await store.ds.query(`SELECT consent FROM accounts WHERE id = $1`, [accountId]))[0]?.consent;

  it('a follow links a stranger as an opted-in native identity, audited; a second follow is a no-op', async () => {
    const did = 'did:plc:botfollower00000000000000';
    const first = await changeNativeConsent(store.ds, bus, { network: 'atproto', nativeId: did, handle: 'amy.test', intent: 'opt-in', actor: 'bot:atproto', via: 'follow' });
    assert.ok(first.ok && first.action === 'opt-in' && first.created);
    const id = first.accountId!;
    assert.equal(await consent(id), 'opted_in');
    const [ident] = await store.ds.query(`SELECT kind, handle, verified_at FROM identities WHERE network = 'atproto' AND native_id = $1`, [did]);
    assert.equal(ident.kind, 'native');
    assert.equal(ident.handle, 'amy.test');
    assert.ok(ident.verified_at);
    const again = await changeNativeConsent(store.ds, bus, { network: 'atproto', nativeId: did, intent: 'opt-in', actor: 'bot:atproto', via: 'follow' });
    assert.deepEqual(again, { ok: true, action: 'none', accountId: id });
    assert.deepEqual((await audit(id)).map((a) => [a.actor, a.action, a.detail.via]), [['bot:atproto', 'account.opt-in', 'follow']]);
  });

  it('a block opts out through optOut (the proxies are removed); a stranger blocking the bot changes nothing', async () => {
    const pk = 'a1'.repeat(32);
    const id = await seedAccount(store.ds, [{ network: 'nostr', id: pk, kind: 'native' }, { network: 'activitypub', id: 'https://pontis.test/ap/users/x', kind: 'bridged' }]);
    const before = received.length;
    const r = await changeNativeConsent(store.ds, bus, { network: 'nostr', nativeId: pk, intent: 'opt-out', actor: 'bot:nostr', via: 'mute list' });
    assert.deepEqual(r, { ok: true, action: 'opt-out', accountId: id });
    assert.equal(await consent(id), 'opted_out');
    await new Promise((res) => setTimeout(res, 100));
    const removal = received.slice(before).map((v) => parseEvent(v));
    assert.deepEqual(removal.map((e) => [e.type, e.actor.id]), [['account.deleted', pk]]);
    assert.deepEqual((await audit(id)).map((a) => [a.actor, a.action]), [['bot:nostr', 'account.opt-out']]);
    const stranger = await changeNativeConsent(store.ds, bus, { network: 'nostr', nativeId: 'b2'.repeat(32), intent: 'opt-out', actor: 'bot:nostr', via: 'message' });
    assert.deepEqual(stranger, { ok: true, action: 'none' });
    assert.equal((await store.ds.query(`SELECT 1 FROM identities WHERE native_id = $1`, ['b2'.repeat(32)])).length, 0);
  });

  it('one of our own bridged identities cannot opt in through a bot', async () => {
    await seedAccount(store.ds, [{ network: 'nostr', id: 'c3'.repeat(32), kind: 'bridged' }]);
    const r = await changeNativeConsent(store.ds, bus, { network: 'nostr', nativeId: 'c3'.repeat(32), intent: 'opt-in', actor: 'bot:nostr', via: 'message' });
    assert.equal(r.ok, false);
  });

  it('by account: opt-in and opt-out audited with the account as actor; unknown and taken-down accounts refused', async () => {
    const id = await seedAccount(store.ds, [{ network: 'solid', id: 'https://pod.test/alice/profile/card#me', kind: 'native' }], { consent: 'pending' });
    assert.deepEqual(await changeAccountConsent(store.ds, bus, id, 'opt-in', `account:${id}`), { ok: true, action: 'opt-in', accountId: id });
    assert.equal(await consent(id), 'opted_in');
    assert.deepEqual(await changeAccountConsent(store.ds, bus, id, 'opt-in', `account:${id}`), { ok: true, action: 'none', accountId: id });
    assert.deepEqual(await changeAccountConsent(store.ds, bus, id, 'opt-out', `account:${id}`), { ok: true, action: 'opt-out', accountId: id });
    assert.equal(await consent(id), 'opted_out');
    assert.deepEqual((await audit(id)).map((a) => a.action), ['account.opt-in', 'account.opt-out']);
    assert.deepEqual(await changeAccountConsent(store.ds, bus, '00000000-0000-4000-8000-000000000000', 'opt-in', 'x'), { ok: false, status: 404, reason: 'no such account' });
    await store.ds.query(`UPDATE accounts SET status = 'taken_down' WHERE id = $1`, [id]);
    const down = await changeAccountConsent(store.ds, bus, id, 'opt-in', `account:${id}`);
    assert.equal(down.ok, false);
    assert.equal(await consent(id), 'opted_out');
  });
});
