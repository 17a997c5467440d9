import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SolidPeer } from '../../../libs/harness/index.js';
import { KeyStore, SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { SESSION_PURPOSE, SolidSession } from './solid-session.js';

// A real Community Solid Server and Postgres. Two SolidSession objects on one identity stand
// for two processes: they share nothing but the database.

describe('Solid session: client credentials, DPoP, renewal (real CSS)', { timeout: 120_000 }, () => {
  let peer: SolidPeer;
  let store: TestStore;
  const box = new SecretBox(randomBytes(32));
  let resource: string;
  let tokenRequests = 0;
  let discoveries = 0;
  const counting: typeof fetch = (input, init) => {
    if (String(input).includes('/.oidc/token')) tokenRequests++;
    if (String(input).includes('/.well-known/openid-configuration')) discoveries++;
    return fetch(input, init);
  };

  before(async () => {
    peer = new SolidPeer();
    const { baseUrl } = await peer.start();
    store = await createTestStore();
    const a = await peer.createAccount({ email: 'dana@example.org', password: 'pw pw pw pw' });
    await SolidSession.save(store.ds, box, null, { issuer: baseUrl, webId: a.webId, clientId: a.clientId, clientSecret: a.clientSecret });
    resource = `${a.podUrl}private-note`;
    const owner = new SolidSession({ ds: store.ds, box, identityId: null });
    const put = await owner.fetch(resource, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'only for dana' });
    assert.ok(put.ok, `PUT ${put.status}`);
    assert.equal((await fetch(resource)).status, 401, 'the resource is private');
  });
  after(async () => {
    await store?.drop();
    await peer?.stop();
  });

  it('renews at 80 % of the token’s lifetime, before it expires', async () => {
    let now = Date.now();
    tokenRequests = 0;
    const s = new SolidSession({ ds: store.ds, box, identityId: null, fetch: counting, now: () => now });
    assert.equal((await s.fetch(resource)).status, 200);
    const first = tokenRequests;
    assert.equal((await s.fetch(resource)).status, 200);
    assert.equal(tokenRequests, first, 'a fresh token is reused');
    now += 0.85 * 600_000; // CSS issues 10-minute tokens
    discoveries = 0;
    assert.equal((await s.fetch(resource)).status, 200);
    assert.equal(tokenRequests, first + 1, 'renewed once');
    assert.equal(discoveries, 0, 'the issuer’s token endpoint was learnt once (by the first session of this process)');
  });

  it('two processes with a stale token renew it once between them, and both use it', async () => {
    const now = Date.now() + 3_600_000; // both see the stored token as due
    tokenRequests = 0;
    const p1 = new SolidSession({ ds: store.ds, box, identityId: null, fetch: counting, now: () => now });
    const p2 = new SolidSession({ ds: store.ds, box, identityId: null, fetch: counting, now: () => now });
    const answers = await Promise.all([...Array(5)].flatMap(() => [p1.fetch(resource), p2.fetch(resource)]));
    assert.deepEqual(answers.map((r) => r.status), Array(10).fill(200));
    assert.equal(tokenRequests, 1, 'one refresh per identity across processes (advisory lock)');
  });

  it('a token the server no longer honours is renewed and the request goes through', async () => {
    const keys = new KeyStore(store.ds, box);
    const stored = JSON.parse((await keys.get(null, SESSION_PURPOSE))!.toString('utf8'));
    stored.accessToken = 'eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.expired';
    stored.issuedAt = Date.now();
    stored.expiresAt = Date.now() + 600_000;
    await keys.put(null, SESSION_PURPOSE, JSON.stringify(stored), stored.webId);
    tokenRequests = 0;
    const s = new SolidSession({ ds: store.ds, box, identityId: null, fetch: counting });
    const res = await s.fetch(resource);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'only for dana');
    assert.equal(tokenRequests, 1);
  });

  it('credentials the issuer refuses: a permanent error that says so, never a loop', async () => {
    await SolidSession.save(store.ds, box, null, { issuer: peer.info!.baseUrl, webId: 'http://localhost/x#me', clientId: 'nobody', clientSecret: 'wrong' });
    const s = new SolidSession({ ds: store.ds, box, identityId: null });
    await assert.rejects(s.fetch(resource), (e: Error & { kind?: string }) => e.kind === 'permanent' && /refused/.test(e.message));
  });
});
