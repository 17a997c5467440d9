import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { startRebindingTarget } from '../../../libs/testing/index.js';
import { JwksCache, trustingOwnServer, type UrlGuard } from '../pod/index.js';
import { fetchProfile, ProfileError } from './webid-profile.js';

// WebIDs and issuers are anyone's choice: a name that answers a public address to the check and
// 127.0.0.1 to the connection must not reach the loopback server (the global fetch would).
describe('WebID profiles and issuers\' keys through the address guard (DNS rebinding)', { timeout: 30_000 }, () => {
  let target: Awaited<ReturnType<typeof startRebindingTarget>>;
  // One guard for the file: the name server gives the public answer once, to the first check,
  // which the guard caches; every connection asks again and gets 127.0.0.1.
  let guard: UrlGuard;
  before(async () => {
    target = await startRebindingTarget();
    guard = trustingOwnServer(new AddressGuard({ lookup: target.dns.lookup, isPrivate: target.isPrivate, network: 'solid' }), 'https://solid.pontis.example/');
  });
  after(() => target.close());

  it('refuses a WebID profile whose host rebinds to 127.0.0.1', async () => {
    const before = await rejectedCount('solid', 'private_address');
    const err = await fetchProfile(`http://${target.host}:${target.port}/profile/card#me`, { guard }).catch((e: unknown) => e);
    assert.ok(err instanceof ProfileError, String(err));
    assert.match(err.message, /rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1);
    assert.equal(target.served(), 0, 'nothing reached the loopback server');
  });

  it('reads no keys of an issuer whose host rebinds to 127.0.0.1 (access tokens, login ID tokens, webhook tokens)', async () => {
    const before = await rejectedCount('solid', 'private_address');
    assert.equal(await new JwksCache({ guard }).keysOf(`http://${target.host}:${target.port}/`), undefined);
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1);
    assert.equal(target.served(), 0);
  });

  it('refuses an issuer\'s redirect to 127.0.0.1 (discovery follows redirects; the connection does not go there)', async () => {
    const before = await rejectedCount('solid', 'private_address');
    assert.equal(await new JwksCache({ guard }).keysOf(`http://${target.publicHost}:${target.publicPort}/hop/`), undefined);
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1, 'refused at connect: 127.0.0.1 is a private address');
    assert.equal(target.served(), 0);
  });
});
