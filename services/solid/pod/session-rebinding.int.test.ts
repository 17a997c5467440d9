import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { startRebindingTarget } from '../../../libs/testing/index.js';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { PodClient } from './pod-client.js';
import { SolidSession } from './solid-session.js';
import { trustingOwnServer } from './trusted-guard.js';

// A person's stored login whose issuer is on a host that answers a public address to the check
// and 127.0.0.1 to the connection: renewing the token (issuer discovery, token endpoint) goes
// through the pod client's guard like the pod request itself. Real Postgres holds the session.
describe('Solid session renewal through the address guard (DNS rebinding; Postgres)', { timeout: 60_000 }, () => {
  let target: Awaited<ReturnType<typeof startRebindingTarget>>;
  let store: TestStore;
  const box = new SecretBox(randomBytes(32));
  before(async () => {
    target = await startRebindingTarget();
    store = await createTestStore();
    await SolidSession.save(store.ds, box, null, { issuer: `http://${target.host}:${target.port}/`, webId: `http://${target.host}:${target.port}/profile/card#me`, clientId: 'c', clientSecret: 's' });
  });
  after(async () => {
    await store?.drop();
    await target?.close();
  });

  it('refuses the issuer of a session whose host rebinds to 127.0.0.1, before any token is asked for', async () => {
    const guard = trustingOwnServer(new AddressGuard({ lookup: target.dns.lookup, network: 'solid' }), 'https://solid.pontis.example/');
    const client = new PodClient(new SolidSession({ ds: store.ds, box, identityId: null }), guard);
    const before = await rejectedCount('solid', 'private_address');
    const err = await client.get(`http://${target.host}:${target.port}/social/`).catch((e: unknown) => e);
    assert.ok(err instanceof DeliveryError, String(err));
    assert.equal(err.kind, 'permanent', 'an issuer at a private address is not retried');
    assert.equal(err.status, 'address-guard');
    assert.match(err.message, /rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    assert.equal(err.target, `http://${target.host}:${target.port}/.well-known/openid-configuration`, 'refused at issuer discovery');
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1);
    assert.equal(target.served(), 0, 'nothing reached the loopback server');
  });
});
