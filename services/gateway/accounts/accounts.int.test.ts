import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { npubEncode } from 'nostr-tools/nip19';
import { SECRET_BOX } from '../../../libs/platform/tokens.js';
import { issueAccountToken, type SecretBox } from '../../../libs/store/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

const ALICE_KEY = 'a1'.repeat(32);
const BOB_KEY = 'b2'.repeat(32);
const ALICE_AP = 'https://bridge.example/ap/users/alice_at_example.com';
const ALICE_DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa';

describe('account status and lookup on the real Postgres', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  let alice: string;
  let bob: string;
  let moderator: string;

  before(async () => {
    gw = await startGateway();
    moderator = await gw.token('moderator');
    alice = await seedAccount(gw.ds, [
      { network: 'nostr', id: ALICE_KEY, handle: 'alice@example.com', kind: 'native' },
      { network: 'activitypub', id: ALICE_AP, handle: '@alice_at_example.com@bridge.example', kind: 'bridged' },
      { network: 'atproto', id: ALICE_DID, handle: 'alice-example-com.bridge.example', kind: 'bridged' },
    ], { mirror: { solid: 'off' } });
    bob = await seedAccount(gw.ds, [{ network: 'nostr', id: BOB_KEY, handle: 'bob@example.com', kind: 'native' }], { consent: 'pending' });

    // Alice's note, its copy on the fediverse, and what happened to the copies elsewhere.
    const key = randomUUID();
    const note = 'c3'.repeat(32);
    await gw.ds.query(
      `INSERT INTO object_map (object_key, network, native_id, url, is_original, owner_network, owner_id) VALUES
        ($1, 'nostr', $2, NULL, true, 'nostr', $3), ($1, 'activitypub', $4, $4, false, NULL, NULL)`,
      [key, note, ALICE_KEY, `${ALICE_AP}/notes/1`],
    );
    await gw.ds.query(
      `INSERT INTO deliveries (command_id, event_id, target, account_id, object_key, status, attempts, native_id, last_error, next_attempt_at, created_at) VALUES
        ('c1', 'ev-1', 'activitypub', $1, $2, 'delivered', 1, $3, NULL, NULL, now() - interval '1 minute'),
        ('c2', 'ev-1', 'atproto', $1, $2, 'failed', 3, NULL, 'PDS answered 502', now() + interval '5 minutes', now() - interval '2 minutes'),
        ('c3', 'ev-2', 'atproto', $1, $2, 'dead', 8, NULL, 'gave up after 8 attempts: PDS answered 502', NULL, now() - interval '3 minutes')`,
      [alice, key, `${ALICE_AP}/notes/1`],
    );
  });
  after(async () => {
    await gw?.close();
  });

  it('finds an account by any of its handles or ids on any network', async () => {
    for (const q of ['alice@example.com', '@Alice@Example.com', npubEncode(ALICE_KEY), ALICE_KEY, ALICE_AP, '@alice_at_example.com@bridge.example', 'alice-example-com.bridge.example', ALICE_DID]) {
      const r = await gw.call('GET', `/api/v1/accounts?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, q);
      assert.deepEqual(r.body.items.map((i: { accountId: string }) => i.accountId), [alice], q);
      assert.equal(r.body.items[0].consent, 'opted_in');
    }
    assert.deepEqual((await gw.call('GET', `/api/v1/accounts?q=nobody%40example.com`)).body, { items: [] });
  });

  it('answers a lookup it cannot read with 400 and the reason', async () => {
    for (const [q, re] of [['', /q is required/], ['?q=npub1zzz', /not a valid npub/], ['?q=hello', /not a handle/], ['?q=a.b&limit=0', /limit/], ['?q=a.b&x=1', /unknown query parameter/]] as const) {
      const r = await gw.call('GET', `/api/v1/accounts${q}`);
      assert.equal(r.status, 400, q);
      assert.match(r.body.message, re, q);
    }
  });

  it('shows identities per network, the last events in and out with native ids, and failures with reason and next retry', async () => {
    const r = await gw.call('GET', `/api/v1/accounts/${alice}`);
    assert.equal(r.status, 200);
    const b = r.body;
    assert.equal(b.consent, 'opted_in');
    assert.equal(b.networks.nostr.native[0].handle, 'alice@example.com');
    assert.equal(b.networks.activitypub.bridged[0].nativeId, ALICE_AP);
    assert.equal(b.networks.atproto.bridged[0].handle, 'alice-example-com.bridge.example');
    assert.equal(b.networks.solid.mirror, 'off');
    assert.deepEqual(b.networks.solid.bridged, []);
    assert.equal(b.lastIn.length, 1);
    assert.equal(b.lastIn[0].network, 'nostr');
    assert.deepEqual(b.lastIn[0].copies, [{ network: 'activitypub', nativeId: `${ALICE_AP}/notes/1`, url: `${ALICE_AP}/notes/1` }]);
    assert.deepEqual(b.lastOut.map((d: { status: string }) => d.status).sort(), ['dead', 'delivered', 'failed']);
    assert.equal(b.lastOut.find((d: { status: string }) => d.status === 'delivered').nativeId, `${ALICE_AP}/notes/1`);
    const failed = b.failures.find((d: { status: string }) => d.status === 'failed');
    assert.equal(failed.lastError, 'PDS answered 502');
    assert.ok(Date.parse(failed.nextAttemptAt) > Date.now());
    assert.equal(b.failures.length, 2);
  });

  it('pages and filters deliveries and objects', async () => {
    const first = await gw.call('GET', `/api/v1/accounts/${alice}/deliveries?limit=2`);
    assert.equal(first.body.items.length, 2);
    const rest = await gw.call('GET', `/api/v1/accounts/${alice}/deliveries?limit=2&before=${first.body.nextCursor}`);
    assert.equal(rest.body.items.length, 1);
    assert.equal(rest.body.nextCursor, null);
    assert.deepEqual((await gw.call('GET', `/api/v1/accounts/${alice}/deliveries?status=failures&target=atproto`)).body.items.map((d: { status: string }) => d.status).sort(), ['dead', 'failed']);
    assert.deepEqual((await gw.call('GET', `/api/v1/accounts/${alice}/deliveries?target=activitypub&status=dead`)).body.items, []);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${alice}/objects?network=nostr`)).body.items.length, 1);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${alice}/objects?network=atproto`)).body.items.length, 0);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${alice}/objects?network=myspace`)).status, 400);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${alice}/deliveries?status=lost`)).status, 400);
  });

  it('hides someone who has not opted in, except from a moderator', async () => {
    const pub = await gw.call('GET', `/api/v1/accounts/${bob}`);
    assert.equal(pub.status, 200);
    assert.equal(pub.body.consent, 'pending');
    assert.equal(pub.body.identities, null);
    assert.ok(!JSON.stringify(pub.body).includes(BOB_KEY));
    assert.equal((await gw.call('GET', `/api/v1/accounts/${bob}/deliveries`)).status, 403);
    const found = await gw.call('GET', `/api/v1/accounts?q=bob%40example.com`);
    assert.equal(found.body.items[0].matched, null);
    const mod = await gw.call('GET', `/api/v1/accounts/${bob}`, { token: moderator });
    assert.equal(mod.body.identities[0].nativeId, BOB_KEY);
  });

  it('documents the account routes in OpenAPI', async () => {
    const doc = (await gw.call('GET', '/api/docs/openapi.json')).body;
    for (const p of ['/api/v1/accounts', '/api/v1/accounts/{id}', '/api/v1/accounts/{id}/objects', '/api/v1/accounts/{id}/deliveries']) assert.ok(doc.paths[p], `${p} documented`);
    assert.deepEqual(doc.paths['/api/v1/accounts/{id}/deliveries'].get.parameters.map((p: { name: string }) => p.name).sort(), ['before', 'id', 'limit', 'status', 'target']);
  });

  it('answers unknown and malformed ids with 404 and 400', async () => {
    assert.equal((await gw.call('GET', `/api/v1/accounts/${randomUUID()}`)).status, 404);
    assert.equal((await gw.call('GET', `/api/v1/accounts/12`)).status, 400);
  });

  it('shows per network whether it is connected, its lag and its error rate', async () => {
    const s = (await gw.call('GET', '/api/v1/status')).body;
    assert.equal(s.networks.atproto.connected, false, 'no atproto adapter runs in this process');
    assert.equal(s.networks.atproto.errorRate, 1, 'both atproto deliveries of the last hour failed');
    assert.equal(s.networks.activitypub.errorRate, 0);
    assert.equal(s.networks.solid.errorRate, null);
    assert.ok(s.networks.atproto.lagSeconds >= 110, `atproto lag ${s.networks.atproto.lagSeconds}`);
    assert.equal(s.networks.activitypub.lagSeconds, 0);
    assert.ok(Date.now() - Date.parse(s.networks.activitypub.lastDeliveredAt) < 60_000, 'activitypub delivered just now');
    assert.equal(s.networks.atproto.lastDeliveredAt, null);
  });

  it('a person chooses per network how their posts appear there, with their account token; what cannot be done is refused with the reason', async () => {
    const box = gw.app.get<SecretBox>(SECRET_BOX);
    const carol = await seedAccount(gw.ds, [
      { network: 'nostr', id: 'c3'.repeat(32), kind: 'native' },
      { network: 'atproto', id: 'did:plc:carolcarolcarolcarolcaro', kind: 'native' },
    ], { mirror: { solid: 'off' } });
    const as = (token: string) => ({ 'pontis-account': token });
    const mine = issueAccountToken(box, carol);
    const put = (body: unknown, headers: Record<string, string> = as(mine)) => gw.call('PUT', `/api/v1/accounts/${carol}/mirror`, { body, headers });

    const ok = await put({ network: 'atproto', mode: 'bridged' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.mirror, { solid: 'off', atproto: 'bridged' });
    assert.deepEqual((await put({ network: 'atproto', mode: 'native' })).body.mirror, { solid: 'off', atproto: 'native' });

    const noSigner = await put({ network: 'nostr', mode: 'native' });
    assert.equal(noSigner.status, 409);
    assert.match(noSigner.body.message, /NIP-46/);
    const notLinked = await put({ network: 'solid', mode: 'native' });
    assert.equal(notLinked.status, 409);
    assert.match(notLinked.body.message, /link your own solid account/);
    assert.equal((await put({ network: 'myspace', mode: 'off' })).status, 400);
    assert.equal((await put({ network: 'nostr', mode: 'sometimes' })).status, 400);
    assert.equal((await put({ network: 'nostr', mode: 'off' }, {})).status, 401);
    assert.equal((await put({ network: 'nostr', mode: 'off' }, as('forged'))).status, 401);
    assert.equal((await put({ network: 'nostr', mode: 'off' }, as(issueAccountToken(box, alice)))).status, 403);
    const [row] = (await gw.ds.query(`SELECT mirror FROM accounts WHERE id = $1`, [carol])) as { mirror: Record<string, string> }[];
    assert.deepEqual(row!.mirror, { solid: 'off', atproto: 'native' }, 'refused requests changed nothing');
  });
});
