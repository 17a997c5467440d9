import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SECRET_BOX } from '../../../libs/platform/tokens.js';
import { ACCOUNT_TOKEN_HEADER, issueAccountToken, type SecretBox } from '../../../libs/store/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

// The real gateway on the real Postgres. The jobs it starts are run by the adapters (their
// backfill integration tests); here: the API's answers.

describe('backfill API', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  let alice: string;
  let bob: string;
  let pending: string;
  let token: (account: string) => Record<string, string>;

  before(async () => {
    gw = await startGateway();
    alice = await seedAccount(gw.ds, [{ network: 'nostr', id: 'a1'.repeat(32), kind: 'native' }, { network: 'atproto', id: 'did:plc:alicealicealice', kind: 'native' }]);
    bob = await seedAccount(gw.ds, [{ network: 'nostr', id: 'b2'.repeat(32), kind: 'native' }]);
    pending = await seedAccount(gw.ds, [{ network: 'nostr', id: 'c3'.repeat(32), kind: 'native' }], { consent: 'pending' });
    const box = gw.app.get<SecretBox>(SECRET_BOX);
    token = (account) => ({ [ACCOUNT_TOKEN_HEADER]: issueAccountToken(box, account) });
  });
  after(async () => {
    await gw?.close();
  });

  it('refuses without the person’s token, with another’s, or a bad one, as JSON', async () => {
    const none = await gw.call('POST', `/api/v1/accounts/${bob}/backfill`, { body: { count: 5 } });
    assert.equal(none.status, 401);
    assert.match(none.body.message, /Pontis-Account|pontis-account/i);
    assert.equal((await gw.call('POST', `/api/v1/accounts/${bob}/backfill`, { body: { count: 5 }, headers: { [ACCOUNT_TOKEN_HEADER]: 'forged' } })).status, 401);
    const other = await gw.call('POST', `/api/v1/accounts/${bob}/backfill`, { body: { count: 5 }, headers: token(alice) });
    assert.equal(other.status, 403);
    assert.equal(other.body.message, 'this token is for another account');
  });

  it('refuses a count out of range, unknown fields, an ambiguous or unlinked network, an account not opted in', async () => {
    for (const count of [0, 201, 2.5, '5', true]) {
      const r = await gw.call('POST', `/api/v1/accounts/${bob}/backfill`, { body: { count }, headers: token(bob) });
      assert.equal(r.status, 400, String(count));
      assert.equal(r.body.message, 'backfill count must be a whole number from 1 to 200');
    }
    assert.equal((await gw.call('POST', `/api/v1/accounts/${bob}/backfill`, { body: { count: 5, since: 'x' }, headers: token(bob) })).body.message, 'unknown field: since (expected network, count)');
    const ambiguous = await gw.call('POST', `/api/v1/accounts/${alice}/backfill`, { body: { count: 5 }, headers: token(alice) });
    assert.equal(ambiguous.status, 400);
    assert.match(ambiguous.body.message, /name the network/);
    const unlinked = await gw.call('POST', `/api/v1/accounts/${bob}/backfill`, { body: { network: 'solid' }, headers: token(bob) });
    assert.equal(unlinked.status, 409);
    assert.equal((await gw.call('POST', `/api/v1/accounts/${bob}/backfill`, { body: { network: 'myspace' }, headers: token(bob) })).status, 400);
    assert.equal((await gw.call('POST', `/api/v1/accounts/${pending}/backfill`, { body: { count: 5 }, headers: token(pending) })).status, 409);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${pending}/backfill`)).status, 403);
  });

  it('starts one job per person and network, answers the running one again, and shows progress', async () => {
    const first = await gw.call('POST', `/api/v1/accounts/${alice}/backfill`, { body: { network: 'atproto', count: 7 }, headers: token(alice) });
    assert.equal(first.status, 202);
    assert.equal(first.body.created, true);
    assert.deepEqual(
      { network: first.body.job.network, nativeId: first.body.job.nativeId, count: first.body.job.count, state: first.body.job.state, found: first.body.job.found },
      { network: 'atproto', nativeId: 'did:plc:alicealicealice', count: 7, state: 'queued', found: 0 },
    );
    const again = await gw.call('POST', `/api/v1/accounts/${alice}/backfill`, { body: { network: 'atproto', count: 50 }, headers: token(alice) });
    assert.equal(again.status, 202);
    assert.equal(again.body.created, false);
    assert.equal(again.body.job.id, first.body.job.id);
    const defaulted = await gw.call('POST', `/api/v1/accounts/${alice}/backfill`, { body: { network: 'nostr' }, headers: token(alice) });
    assert.equal(defaulted.body.job.count, 20, 'the default count');

    const list = await gw.call('GET', `/api/v1/accounts/${alice}/backfill`);
    assert.deepEqual(list.body.items.map((j: { network: string }) => j.network).sort(), ['atproto', 'nostr']);
    const one = await gw.call('GET', `/api/v1/accounts/${alice}/backfill/${first.body.job.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.items, []);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${bob}/backfill/${first.body.job.id}`)).status, 404, 'another account’s job');
    const status = await gw.call('GET', `/api/v1/accounts/${alice}`);
    assert.equal(status.body.backfill.length, 2, 'in the account status');
  });
});
