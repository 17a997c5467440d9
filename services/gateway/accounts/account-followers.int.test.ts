import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { npubEncode } from 'nostr-tools/nip19';
import { SECRET_BOX } from '../../../libs/platform/tokens.js';
import type { SecretBox } from '../../../libs/store/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { ApexPostgresStore } from '../../activitypub/store/apex-postgres-store.js';
import { Followers } from '../../activitypub/store/followers.js';
import { ContactLists } from '../../nostr/ingest/contact-lists.js';
import { startGateway, type GatewayFixture } from '../testing/gateway-fixture.js';

const PROXY_AP = 'https://bridge.example/ap/users/gus';
const PROXY_PK = 'a8'.repeat(32);
const ZED = 'https://mastodon.example/users/zed';
const AMY = 'https://mastodon.example/users/amy';
const NOSTR_STRANGER = 'b9'.repeat(32);
const NOSTR_BRIDGED = 'ca'.repeat(32);

describe('followers who are not bridged (real Postgres, written by the adapters\' own stores)', { timeout: 120_000 }, () => {
  let gw: GatewayFixture;
  let gus: string;

  before(async () => {
    gw = await startGateway();
    gus = await seedAccount(gw.ds, [
      { network: 'atproto', id: 'did:plc:gusgusgusgusgusgusgusgus', handle: 'gus.bsky.social', kind: 'native' },
      { network: 'activitypub', id: PROXY_AP, kind: 'bridged' },
      { network: 'nostr', id: PROXY_PK, kind: 'bridged' },
    ]);
    // Amy and a Nostr person are bridged themselves: their follows are mirrored, so not listed.
    await seedAccount(gw.ds, [{ network: 'activitypub', id: AMY, kind: 'native' }]);
    await seedAccount(gw.ds, [{ network: 'nostr', id: NOSTR_BRIDGED, kind: 'native' }]);
    // A pending (not opted-in) fediverse person is not bridged: listed.
    await seedAccount(gw.ds, [{ network: 'activitypub', id: ZED, kind: 'native' }], { consent: 'pending' });

    const followers = new Followers(new ApexPostgresStore(gw.ds, gw.app.get<SecretBox>(SECRET_BOX)));
    for (const [who, name] of [[ZED, 'zed'], [AMY, 'amy']] as const)
      await followers.add(PROXY_AP, { id: `${who}#follows/1`, type: 'Follow', actor: who, object: PROXY_AP }, { id: who, type: 'Person', preferredUsername: name, inbox: `${who}/inbox` });
    const lists = new ContactLists(gw.ds, 100);
    await lists.save(NOSTR_STRANGER, { id: 'e1'.repeat(32), created_at: 1, follows: [PROXY_PK, 'dd'.repeat(32)] });
    await lists.save(NOSTR_BRIDGED, { id: 'e2'.repeat(32), created_at: 1, follows: [PROXY_PK] });
    await lists.save('ee'.repeat(32), { id: 'e3'.repeat(32), created_at: 1, follows: ['dd'.repeat(32)] });
  });
  after(async () => {
    await gw?.close();
  });

  it('counts them in the account status', async () => {
    const r = await gw.call('GET', `/api/v1/accounts/${gus}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.unbridgedFollowers, 2);
  });

  it('lists them with handle, network and the proxy they follow, paged', async () => {
    const first = await gw.call('GET', `/api/v1/accounts/${gus}/followers?bridged=false&limit=1`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.items, [{ network: 'activitypub', id: ZED, handle: '@zed@mastodon.example', follows: PROXY_AP }]);
    assert.ok(first.body.nextCursor);
    const next = await gw.call('GET', `/api/v1/accounts/${gus}/followers?bridged=false&limit=1&after=${first.body.nextCursor}`);
    assert.deepEqual(next.body.items, [{ network: 'nostr', id: NOSTR_STRANGER, handle: npubEncode(NOSTR_STRANGER), follows: PROXY_PK }]);
    assert.equal(next.body.nextCursor, null);
  });

  it('answers bad input with a clear 400', async () => {
    assert.equal((await gw.call('GET', `/api/v1/accounts/${gus}/followers`)).status, 400);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${gus}/followers?bridged=false&limit=0`)).status, 400);
    assert.equal((await gw.call('GET', `/api/v1/accounts/${gus}/followers?bridged=false&after=${Buffer.from('myspace:x').toString('base64url')}`)).status, 400);
    assert.equal((await gw.call('GET', `/api/v1/accounts/not-a-uuid/followers?bridged=false`)).status, 400);
  });
});
