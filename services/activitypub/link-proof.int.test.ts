/**
 * Linking a fediverse account by a one-time code (identity/link-proof.ts) against the Fedify peer:
 * the code in a public post (read from the outbox) or in `alsoKnownAs` (read from the actor), both
 * fetched with the bridge's signed GETs; refusals say why. Postgres (own schema), in-process bus.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ActivityPubPeer } from '../../libs/harness/index.js';
import type { TestStore } from '../../libs/store/testing.js';
import { issueAccountToken } from '../../libs/store/index.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { INSTANCE_USERNAME, LINK_CODE_PATH, LINK_PATH } from './activitypub-service.js';
import { startApFixture, type ApFixture } from './testing/ap-fixture.js';


describe('linking a fediverse account by a code, with a Fedify server', { timeout: 180_000 }, () => {
  let s: TestStore;
  let peer: ActivityPubPeer;
  let base: string;
  let f: ApFixture;
  const name = (p: string) => `${p}${randomBytes(3).toString('hex')}`;
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const codeFor = async (actor: string) => {
    const r = await post(LINK_CODE_PATH, { actor });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return String(r.json.code);
  };
  const identity = async (actor: string) =>
    (await s.ds.query(`SELECT i.kind, i.handle, i.verified_at IS NOT NULL AS verified, a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'activitypub' AND i.native_id = $1`, [actor]))[0] as
      | { kind: string; handle: string; verified: boolean; consent: string }
      | undefined;

  before(async () => {
    f = await startApFixture();
    ({ s, peer, base } = f);
  });

  after(async () => {
    await f?.stop();
  });

  it('the code in a public post links the account, opts it in, and the instance actor follows it', async () => {
    const frank = await peer.createUser(name('frank'));
    const code = await codeFor(frank.id);
    await peer.createNote(frank.name, { content: `<p>linking my account to the bridge: ${code}</p>` });
    const r = await post(LINK_PATH, { actor: frank.id });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.created, true);
    assert.match(String(r.json.foundIn), /^post /);
    assert.deepEqual(await identity(frank.id), { kind: 'native', handle: `@${frank.name}@${new URL(frank.id).host}`, verified: true, consent: 'opted_in' });
    const instance = `${base}/ap/users/${INSTANCE_USERNAME}`;
    await waitFor(async () => (await peer.followers(frank.name)).some((f) => f.id === instance), { timeoutMs: 30_000, what: 'the instance actor among the followers' });
    // The same proof again: the same account, nothing new.
    const again = await post(LINK_PATH, { actor: frank.id });
    assert.equal(again.status, 200);
    assert.equal(again.json.accountId, r.json.accountId);
    assert.equal(again.json.created, false);
  });

  it('the code in alsoKnownAs (a profile link) links the account', async () => {
    const n = name('grace');
    const id = `${peer.info!.baseUrl}/users/${n}`;
    const code = await codeFor(id);
    await peer.createUser(n, { alsoKnownAs: [`https://proof.example/${code}`] });
    const r = await post(LINK_PATH, { actor: id });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.foundIn, 'alsoKnownAs');
    assert.equal((await identity(id))?.consent, 'opted_in');
  });

  it('refuses with the reason: no code, a code issued for someone else, bad input, our own actor, an unreachable actor', async () => {
    const heidi = await peer.createUser(name('heidi'));
    const none = await post(LINK_PATH, { actor: heidi.id });
    assert.equal(none.status, 422);
    assert.match(String(none.json.message), /no code found/);
    const ivan = await peer.createUser(name('ivan'));
    // Heidi posts the code issued for Ivan: it proves nothing about Heidi.
    await peer.createNote(heidi.name, { content: `<p>${await codeFor(ivan.id)}</p>` });
    const foreign = await post(LINK_PATH, { actor: heidi.id });
    assert.equal(foreign.status, 422);
    assert.match(String(foreign.json.message), /not issued for this account/);
    assert.equal(await identity(heidi.id), undefined, 'nothing linked');

    assert.equal((await post(LINK_CODE_PATH, {})).status, 400);
    assert.equal((await post(LINK_PATH, { actor: 'heidi@example.com' })).status, 400);
    assert.equal((await post(LINK_CODE_PATH, { actor: `${base}/ap/users/${INSTANCE_USERNAME}` })).status, 409);
    const gone = await post(LINK_PATH, { actor: `${peer.info!.baseUrl}/users/${name('nobody')}` });
    assert.equal(gone.status, 502);
    assert.match(String(gone.json.message), /cannot read the actor/);
  });

  it('with the account token of an identity linked elsewhere, the fediverse account joins that account; a bad token is refused', async () => {
    const account = await seedAccount(s.ds, [{ network: 'nostr', id: 'fa'.repeat(32), kind: 'native' }]);
    const judy = await peer.createUser(name('judy'));
    await peer.createNote(judy.name, { content: `<p>${await codeFor(judy.id)}</p>` });
    const refused = await post(LINK_PATH, { actor: judy.id }, { 'pontis-account': 'not-a-token' });
    assert.equal(refused.status, 401);
    assert.match(String(refused.json.message), /pontis-account/);
    assert.equal(await identity(judy.id), undefined, 'nothing linked on a bad token');
    const r = await post(LINK_PATH, { actor: judy.id }, { 'pontis-account': issueAccountToken(f.box, account) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.accountId, account);
    assert.equal(typeof r.json.accountToken, 'string');
    const rows = (await s.ds.query(`SELECT network FROM identities WHERE account_id = $1 AND kind = 'native' ORDER BY network`, [account])) as { network: string }[];
    assert.deepEqual(rows.map((x) => x.network), ['activitypub', 'nostr']);
  });
});
