import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventFixture, type BridgeEvent } from '../../../libs/events/index.js';
import { SECRET_BOX } from '../../../libs/platform/tokens.js';
import { issueAccountToken, KeyStore, type SecretBox } from '../../../libs/store/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { translate } from '../../translator/translate.js';
import { TranslatorRepository } from '../../translator/translator.repository.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

const NOSTR = 'd4'.repeat(32);
const DID = 'did:plc:dandandandandandandandand';
const AP = 'https://mastodon.example/users/dan';

describe('a person takes one of their identities out of their account (real Postgres)', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  let box: SecretBox;
  let dan: string;
  const del = (account: string, network: string, token?: string) =>
    gw.call('DELETE', `/api/v1/accounts/${account}/identities/${network}`, { headers: token === undefined ? {} : { 'pontis-account': token } });

  before(async () => {
    gw = await startGateway();
    box = gw.app.get<SecretBox>(SECRET_BOX);
    dan = await seedAccount(gw.ds, [
      { network: 'nostr', id: NOSTR, kind: 'native' },
      { network: 'atproto', id: DID, handle: 'dan.bsky.social', kind: 'native' },
      { network: 'activitypub', id: AP, kind: 'native' },
      { network: 'solid', id: 'https://pontis.example/solid/dan/profile/card#me', kind: 'bridged' },
    ], { mirror: { atproto: 'native' } });
    // A Bluesky credential held for him, and a fediverse post of his with a copy on Nostr.
    const [atp]: { id: string }[] = await gw.ds.query(`SELECT id FROM identities WHERE native_id = $1`, [DID]);
    await new KeyStore(gw.ds, box).put(atp!.id, 'atproto.password', 'app-pass-word-here');
    const key = randomUUID();
    await gw.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, is_original, owner_network, owner_id) VALUES ($1, 'activitypub', $2, true, 'activitypub', $3), ($1, 'nostr', $4, false, NULL, NULL)`,
      [key, `${AP}/statuses/1`, AP, 'e5'.repeat(32)],
    );
  });
  after(async () => {
    await gw?.close();
  });

  it('needs the person\'s own account token', async () => {
    assert.equal((await del(dan, 'atproto')).status, 401);
    assert.equal((await del(dan, 'atproto', 'forged')).status, 401);
    const other = await seedAccount(gw.ds, [{ network: 'nostr', id: 'f6'.repeat(32), kind: 'native' }]);
    assert.equal((await del(dan, 'atproto', issueAccountToken(box, other))).status, 403);
    assert.equal((await del(dan, 'myspace', issueAccountToken(box, dan))).status, 400);
  });

  it('refuses with the reason when copies of its posts exist elsewhere, or when there is no own account on that network', async () => {
    const token = issueAccountToken(box, dan);
    const copies = await del(dan, 'activitypub', token);
    assert.equal(copies.status, 409);
    assert.match(copies.body.message, /1 post\(s\) .* copies .* opt out/);
    const proxyOnly = await del(dan, 'solid', token);
    assert.equal(proxyOnly.status, 404);
    assert.match(proxyOnly.body.message, /mirror solid to off/);
  });

  it('takes the Bluesky account out: it is opted out on its own, its credentials and mirror choice go, and the translator no longer bridges it', async () => {
    const r = await del(dan, 'atproto', issueAccountToken(box, dan));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { accountId: dan, removed: { network: 'atproto', id: DID, handle: 'dan.bsky.social' } });
    const [row]: { account_id: string; consent: string; id: string }[] = await gw.ds.query(
      `SELECT i.id, i.account_id, a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.native_id = $1`,
      [DID],
    );
    assert.notEqual(row!.account_id, dan);
    assert.equal(row!.consent, 'opted_out');
    assert.deepEqual(await gw.ds.query(`SELECT 1 FROM key_material WHERE identity_id = $1`, [row!.id]), []);
    const [acct]: { mirror: object }[] = await gw.ds.query(`SELECT mirror FROM accounts WHERE id = $1`, [dan]);
    assert.deepEqual(acct!.mirror, {});
    const audit: { action: string; detail: { network: string } }[] = await gw.ds.query(`SELECT action, detail FROM audit_log WHERE target = $1`, [`account:${dan}`]);
    assert.deepEqual(audit.map((a) => [a.action, a.detail.network]), [['identity.remove', 'atproto']]);

    // His Bluesky posts are no longer bridged; his Nostr posts still are, and no longer into that Bluesky account.
    const repo = new TranslatorRepository(gw.ds);
    const policy = await repo.loadPolicy();
    const fromBsky: BridgeEvent = { ...eventFixture('post.created'), id: `atproto:at://${DID}/app.bsky.feed.post/1`, source: { network: 'atproto', id: `at://${DID}/app.bsky.feed.post/1` }, actor: { network: 'atproto', id: DID }, trace: { origin: 'atproto', hops: 0 } };
    const fromNostr: BridgeEvent = { ...eventFixture('post.created'), id: `nostr:${'a7'.repeat(32)}`, source: { network: 'nostr', id: 'a7'.repeat(32) }, actor: { network: 'nostr', id: NOSTR }, trace: { origin: 'nostr', hops: 0 } };
    const ctx = await repo.loadContext([fromBsky, fromNostr], policy, 60_000);
    const a = translate(fromBsky, ctx);
    assert.equal(a.kind === 'drop' && a.reason, 'opted-out');
    const b = translate(fromNostr, ctx);
    assert.equal(b.kind, 'translated');
    const toBsky = b.kind === 'translated' ? b.commands.find((c) => c.target === 'atproto') : undefined;
    assert.equal(toBsky?.as.mode, 'bridged');

    // The last own account left cannot be taken out this way: that is opting out.
    await gw.ds.query(`DELETE FROM object_map WHERE owner_id = $1`, [AP]);
    assert.equal((await del(dan, 'activitypub', issueAccountToken(box, dan))).status, 200);
    const last = await del(dan, 'nostr', issueAccountToken(box, dan));
    assert.equal(last.status, 409);
    assert.match(last.body.message, /opt out instead/);
  });
});
