import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AddressGuard } from '../../../libs/net/index.js';
import { rejectedCount } from '../../../libs/observability/index.js';
import { startRebindingTarget } from '../../../libs/testing/index.js';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { PodClient, TokenSession, DpopKey, trustingOwnServer } from '../pod/index.js';
import { LinkError } from './link-error.js';
import { SolidLinkService } from './link-service.js';
import { SolidOidcLogin } from './oidc-login.js';

// A login for a WebID whose profile (on an honest host) names an identity provider on a host
// that answers a public address to the check and 127.0.0.1 to the connection: OIDC discovery
// must be refused, and the loopback server must see nothing.
describe('Solid-OIDC login discovery through the address guard (DNS rebinding; Postgres)', { timeout: 60_000 }, () => {
  let target: Awaited<ReturnType<typeof startRebindingTarget>>;
  let store: TestStore;
  let profileReads = 0;
  before(async () => {
    target = await startRebindingTarget({
      publicAnswer: (req, res, { port, publicPort }) => {
        if (req.url !== '/profile/card') return void res.writeHead(404).end();
        profileReads++;
        res.setHeader('content-type', 'application/ld+json');
        res.end(JSON.stringify({ '@id': `http://hop.test:${publicPort}/profile/card#me`, 'http://www.w3.org/ns/solid/terms#oidcIssuer': { '@id': `http://rebind.test:${port}/` } }));
      },
    });
    store = await createTestStore();
  });
  after(async () => {
    await store?.drop();
    await target?.close();
  });

  it('refuses the identity provider of a profile when its host rebinds to 127.0.0.1', async () => {
    const guard = trustingOwnServer(new AddressGuard({ lookup: target.dns.lookup, isPrivate: target.isPrivate, network: 'solid' }), 'https://solid.pontis.example/');
    const bridgeWebId = 'https://solid.pontis.example/bridge/profile/card#me';
    // The bridge's own pod client is not used before discovery; a token session stands for it.
    const bridge = new PodClient(new TokenSession('unused', DpopKey.generate()), guard);
    const link = new SolidLinkService({ ds: store.ds, client: bridge, bridgeWebId, guard });
    const login = new SolidOidcLogin({ ds: store.ds, box: new SecretBox(randomBytes(32)), redirectUri: 'https://pontis.example/api/v1/solid/login/callback', link, bridge, bridgeWebId, guard });
    const before = await rejectedCount('solid', 'private_address');
    const err = await login.start({ webId: `http://${target.publicHost}:${target.publicPort}/profile/card#me` }).catch((e: unknown) => e);
    assert.equal(profileReads, 1, 'the profile itself was read (an honest host)');
    assert.ok(err instanceof LinkError, String(err));
    assert.equal(err.status, 400, "the person's input at fault");
    assert.match(err.message, /openid-configuration: rebind\.test resolves to private address 127\.0\.0\.1 \(at connection time\)/);
    assert.equal(await rejectedCount('solid', 'private_address'), before + 1);
    assert.equal(target.served(), 0, 'nothing reached the loopback server');
  });
});
