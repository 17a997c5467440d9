import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientMetadata, OAUTH_PATHS, oauthUnavailableReason } from './oauth-client.js';

describe('OAuth client configuration', () => {
  it('needs an https public URL on a name without a port (the PDS fetches the client_id)', () => {
    assert.equal(oauthUnavailableReason('https://pontis.example'), undefined);
    for (const bad of ['http://pontis.example', 'https://pontis.example:8443', 'https://10.0.0.5', 'https://[::1]', 'not a url']) assert.ok(oauthUnavailableReason(bad), bad);
  });

  it('metadata: the client_id is the document’s own URL; confidential, DPoP-bound, redirect under the same origin', () => {
    const m = clientMetadata('https://pontis.example');
    assert.equal(m.client_id, `https://pontis.example${OAUTH_PATHS.metadata}`);
    assert.deepEqual(m.redirect_uris, [`https://pontis.example${OAUTH_PATHS.callback}`]);
    assert.equal(m.jwks_uri, `https://pontis.example${OAUTH_PATHS.jwks}`);
    assert.equal(m.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal(m.dpop_bound_access_tokens, true);
    assert.match(m.scope ?? '', /^atproto /);
  });
});
