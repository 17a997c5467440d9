import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { oidcIssuersIn, sameIssuer, storageIn } from '../identity/webid-profile.js';
import { linkGrantPatch } from './acl.js';
import { DpopKey } from './dpop.js';
import { checkSignature, parseJwt, readProof, thumbprint } from './jwt.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A token as an issuer signs it (ES256), bound to `holder` (cnf.jkt). */
function issue(holder: DpopKey, claims: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = `${b64({ alg: 'ES256', kid: 'k1' })}.${b64({ iss: 'http://idp.example/', webid: 'http://pod.example/me#i', aud: 'solid', cnf: { jkt: thumbprint(holder.publicJwk) }, ...claims })}`;
  const text = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  return { text, jwt: parseJwt(text)!, issuerKey: publicKey.export({ format: 'jwk' }) };
}

describe('DPoP-bound tokens (pure)', () => {
  const holder = DpopKey.generate();
  const url = 'https://pontis.example/api/v1/solid/archive';
  const now = Math.floor(Date.now() / 1000);

  it('a proof by the token’s key, for this method, URL and token, fresh: accepted with its jti', () => {
    const t = issue(holder);
    assert.ok(checkSignature(t.jwt, t.issuerKey));
    const r = readProof(holder.proof('POST', `${url}?x=1`, t.text), { token: t.jwt, tokenText: t.text, method: 'POST', url, now });
    assert.ok('jti' in r && typeof r.jti === 'string', JSON.stringify(r));
  });

  it('every other proof is refused with the reason', () => {
    const t = issue(holder);
    const other = issue(DpopKey.generate());
    const check = (proof: string | undefined, o: Partial<{ method: string; url: string; now: number; tokenText: string }> = {}) => {
      const r = readProof(proof, { token: t.jwt, tokenText: o.tokenText ?? t.text, method: o.method ?? 'POST', url: o.url ?? url, now: o.now ?? now });
      return 'problem' in r ? r.problem : 'accepted';
    };
    assert.equal(check(undefined), 'no DPoP proof');
    assert.equal(check('not.a.jwt'), 'malformed DPoP proof');
    assert.equal(check(DpopKey.generate().proof('POST', url, t.text)), 'proof key is not the one the token is bound to');
    assert.equal(check(holder.proof('GET', url, t.text)), 'proof is not for POST');
    assert.match(check(holder.proof('POST', 'https://evil.example/api/v1/solid/archive', t.text)), /^proof is for https:\/\/evil\.example/);
    assert.equal(check(holder.proof('POST', url, other.text)), 'proof is for another token');
    assert.equal(check(holder.proof('POST', url, t.text), { now: now + 600 }), 'proof is stale');
    const forged = holder.proof('POST', url, t.text).replace(/\.[^.]+$/, '.AAAA');
    assert.equal(check(forged), 'proof signature does not verify');
    assert.ok(!checkSignature(t.jwt, other.issuerKey), 'the token does not verify with another issuer’s key');
  });
});

describe('WebID profiles and grants (pure)', () => {
  const me = 'http://pod.example/alice/profile/card#me';
  it('issuers and storage from expanded (what CSS serves) and compact JSON-LD', () => {
    const expanded = [{ '@id': me, 'http://www.w3.org/ns/solid/terms#oidcIssuer': [{ '@id': 'http://idp.example/' }, { '@id': 'http://other.example' }], 'http://www.w3.org/ns/pim/space#storage': [{ '@id': 'http://pod.example/alice/' }] }];
    assert.deepEqual(oidcIssuersIn(expanded, me), ['http://idp.example/', 'http://other.example/']);
    assert.equal(storageIn(expanded, me), 'http://pod.example/alice/');
    assert.deepEqual(oidcIssuersIn({ '@graph': [{ id: me, 'solid:oidcIssuer': 'http://idp.example/' }] }, me), ['http://idp.example/']);
    assert.deepEqual(oidcIssuersIn([{ '@id': 'http://someone.else/#me', 'http://www.w3.org/ns/solid/terms#oidcIssuer': [{ '@id': 'http://idp.example/' }] }], me), [], 'only the WebID’s own node counts');
    assert.ok(sameIssuer('http://idp.example/', 'http://idp.example'));
  });
  it('the grant patch adds one authorization with inheritance and refuses what is not an IRI', () => {
    const patch = linkGrantPatch('http://pod.example/alice/social/', 'http://bridge.example/me#i');
    assert.match(patch, /solid:inserts \{[\s\S]*acl:agent <http:\/\/bridge\.example\/me#i>; acl:accessTo <http:\/\/pod\.example\/alice\/social\/>; acl:default <http:\/\/pod\.example\/alice\/social\/>;[\s\S]*acl:mode acl:Read, acl:Write, acl:Append\./);
    assert.doesNotMatch(patch, /acl:Control/);
    assert.throws(() => linkGrantPatch('http://pod.example/social/', 'http://x> . <#evil'), /not an IRI/);
  });
});
