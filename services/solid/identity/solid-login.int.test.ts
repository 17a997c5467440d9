import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeyStore } from '../../../libs/store/index.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { SESSION_PURPOSE, SolidSession } from '../pod/index.js';
import { commandFor } from '../../../libs/adapter/testing.js';
import { SolidDeliverer } from '../publish/index.js';
import { fediversePost, startWorld, type SolidWorld } from '../test-support.js';
import { SolidLinkService } from './link-service.js';
import { SolidOidcLogin } from './oidc-login.js';
import { LOGIN_COOKIE, WebIdAuth } from './webid-auth.js';

// A real Community Solid Server as the person's identity provider and pod, Postgres, and a
// "browser" (the harness's browserLogin) driving CSS's login and consent pages over HTTP.

const REDIRECT = 'http://127.0.0.1:9/api/v1/solid/login/callback'; // never fetched: the browser stops there

function callbackParams(url: string): Record<string, string> {
  assert.ok(url.startsWith(REDIRECT), `the provider sent the browser to ${url}`);
  return Object.fromEntries(new URL(url).searchParams);
}

describe('Solid-OIDC login for linking (real CSS)', { timeout: 240_000 }, () => {
  let w: SolidWorld;
  let login: SolidOidcLogin;
  let tokenRequests = 0;
  const counting: typeof fetch = (input, init) => {
    if (String(input).includes('/.oidc/token')) tokenRequests++;
    return fetch(input, init);
  };

  before(async () => {
    w = await startWorld();
    const link = new SolidLinkService({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId });
    login = new SolidOidcLogin({ ds: w.store.ds, box: w.box, redirectUri: REDIRECT, link, bridge: w.client, bridgeWebId: w.bridgeWebId });
  });
  after(async () => {
    await w?.close();
  });

  it('a person logs in once: the bridge gets Read/Append/Write on social/ (inherited), the WebID is linked with the archive chosen', async () => {
    const dana = await w.peer.createAccount({ email: 'dana@example.org', password: 'dana dana dana' });
    const { authorizeUrl, issuer } = await login.start({ webId: dana.webId, archive: true });
    assert.equal(issuer, w.baseUrl);
    const params = callbackParams(await w.peer.browserLogin(authorizeUrl, dana));
    const done = await login.finish(params);
    assert.equal(done.grant, 'granted');
    assert.equal(done.webId, dana.webId);
    const pod = await w.repo.byWebId(dana.webId);
    assert.equal(pod?.mode, 'linked');
    assert.equal(pod?.archive, true);
    // Inherited: the bridge may write a new resource in a container that did not exist before.
    await w.client.put(`${pod!.socialUrl}outbox/by-the-bridge`, '{"@context":"https://www.w3.org/ns/activitystreams","type":"Note"}', 'application/ld+json');
    assert.equal((await w.client.get(`${pod!.socialUrl}outbox/by-the-bridge`)).status, 200);
    // The callback is spent: replaying it links nothing.
    await assert.rejects(login.finish(params), (e: Error & { status?: number }) => e.status === 400 && /already used/.test(e.message));
  });

  it('the stored login renews before expiry with its refresh token, once across two processes, and keeps working', async () => {
    const pod = (await w.repo.linked())[0]!;
    const stored = JSON.parse((await new KeyStore(w.store.ds, w.box).get(pod.identityId, SESSION_PURPOSE))!.toString('utf8'));
    assert.equal(typeof stored.refreshToken, 'string', 'offline_access gave a refresh token');
    const later = Date.now() + 0.9 * (stored.expiresAt - stored.issuedAt); // past 80 % of the token's life
    tokenRequests = 0;
    const p1 = new SolidSession({ ds: w.store.ds, box: w.box, identityId: pod.identityId, fetch: counting, now: () => later });
    const p2 = new SolidSession({ ds: w.store.ds, box: w.box, identityId: pod.identityId, fetch: counting, now: () => later });
    const answers = await Promise.all([...Array(3)].flatMap(() => [p1.fetch(pod.socialUrl), p2.fetch(pod.socialUrl)]));
    assert.deepEqual(answers.map((r) => r.status), Array(6).fill(200), 'the person’s own session reads their social/');
    assert.equal(tokenRequests, 1, 'one refresh: the rotated refresh token was spent once');
    const renewed = JSON.parse((await new KeyStore(w.store.ds, w.box).get(pod.identityId, SESSION_PURPOSE))!.toString('utf8'));
    assert.equal(typeof renewed.refreshToken, 'string', 'a refresh token is still held (the rotated one, when the issuer rotates)');
    assert.ok(renewed.issuedAt > stored.issuedAt && renewed.accessToken !== stored.accessToken, 'a new access token was stored for the others');
    // A third process, later still, renews with the rotated token.
    const p3 = new SolidSession({ ds: w.store.ds, box: w.box, identityId: pod.identityId, fetch: counting, now: () => later + 3_600_000 });
    assert.equal((await p3.fetch(pod.socialUrl)).status, 200);
    assert.equal(tokenRequests, 2);
  });

  it('with the stored login, a public post archived into the person’s pod is made world-readable as them', async () => {
    const pod = (await w.repo.linked())[0]!;
    const shared = new SolidDeliverer({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, provisioner: w.provisioner, box: w.box, copyMedia: false });
    const cmd = commandFor(fediversePost('public-archive'), 'solid', pod.accountId);
    cmd.as.mode = 'native';
    const r = await shared.deliver(cmd);
    assert.ok(r.ref!.id.startsWith(`${pod.socialUrl}outbox/`));
    assert.equal((await fetch(r.ref!.id)).status, 200, 'anyone may read it');
    assert.equal((await w.client.get(r.ref!.id)).status, 200, 'the bridge still may');
    // Without the person's login (the deliverer cannot open it), the container's ACL decides: private.
    const plain = new SolidDeliverer({ ds: w.store.ds, client: w.client, bridgeWebId: w.bridgeWebId, provisioner: w.provisioner, copyMedia: false });
    const other = commandFor(fediversePost('private-archive'), 'solid', pod.accountId);
    other.as.mode = 'native';
    assert.equal((await fetch((await plain.deliver(other)).ref!.id)).status, 401);
  });

  it('an ACL the person already has keeps their other grants; the bridge’s is added', async () => {
    const erin = await w.peer.createAccount({ email: 'erin@example.org', password: 'erin erin erin' });
    const own = w.peer.client(erin);
    const social = `${erin.podUrl}social/`;
    const friend = 'http://localhost:1/friend/profile/card#me';
    assert.ok((await own.fetch(social, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: '' })).ok);
    const acl = `@prefix acl: <http://www.w3.org/ns/auth/acl#>.
<#owner> a acl:Authorization; acl:agent <${erin.webId}>; acl:accessTo <${social}>; acl:default <${social}>; acl:mode acl:Read, acl:Write, acl:Control.
<#friend> a acl:Authorization; acl:agent <${friend}>; acl:accessTo <${social}>; acl:mode acl:Read.
`;
    assert.ok((await own.fetch(`${social}.acl`, { method: 'PUT', headers: { 'content-type': 'text/turtle' }, body: acl })).ok);
    const { authorizeUrl } = await login.start({ webId: erin.webId });
    const done = await login.finish(callbackParams(await w.peer.browserLogin(authorizeUrl, erin)));
    assert.equal(done.grant, 'granted');
    const after = await (await own.fetch(`${social}.acl`, { headers: { accept: 'text/turtle' } })).text();
    assert.ok(after.includes(friend), 'the friend’s grant is still there');
    const seen = await w.client.get(social);
    assert.ok(['read', 'append', 'write'].every((m) => seen.user.has(m)), `the bridge’s grant was added: ${[...seen.user]}`);
    assert.equal((await w.repo.byWebId(erin.webId))?.archive, false, 'no archive choice made: off');
  });

  it('a login that carries an account (mirroring) puts the WebID into it; the pod row follows', async () => {
    const account = await seedAccount(w.store.ds, [{ network: 'nostr', id: 'ab'.repeat(32), kind: 'native' }], { mirror: { atproto: 'bridged' } });
    const ivy = await w.peer.createAccount({ email: 'ivy@example.org', password: 'ivy ivy ivy ivy' });
    const { authorizeUrl } = await login.start({ webId: ivy.webId, intoAccount: account });
    const done = await login.finish(callbackParams(await w.peer.browserLogin(authorizeUrl, ivy)));
    assert.equal(done.accountId, account);
    assert.equal((await w.repo.byWebId(ivy.webId))?.accountId, account);
    const [row] = (await w.store.ds.query(`SELECT mirror FROM accounts WHERE id = $1`, [account])) as { mirror: Record<string, string> }[];
    // The pod is not written to until the person chooses the archive; their other choices stay.
    assert.deepEqual(row!.mirror, { atproto: 'bridged', solid: 'off' });
  });

  it('logging in as someone else, or refusing consent, links nothing and says why', async () => {
    const fay = await w.peer.createAccount({ email: 'fay@example.org', password: 'fay fay fay' });
    const gil = await w.peer.createAccount({ email: 'gil@example.org', password: 'gil gil gil' });
    const started = await login.start({ webId: fay.webId });
    await assert.rejects(login.finish(callbackParams(await w.peer.browserLogin(started.authorizeUrl, gil))), (e: Error & { status?: number }) => e.status === 403 && e.message.includes(`not as ${fay.webId}`));
    const again = await login.start({ webId: fay.webId });
    const refused = callbackParams(await w.peer.browserLogin(again.authorizeUrl, fay, { consent: false }));
    assert.ok(refused.error, 'the provider reports the refusal');
    await assert.rejects(login.finish(refused), (e: Error & { status?: number }) => e.status === 403 && /did not log you in/.test(e.message));
    assert.equal(await w.repo.byWebId(fay.webId), undefined);
    assert.equal(await w.repo.byWebId(gil.webId), undefined);
    await assert.rejects(login.start({ webId: 'http://localhost:1/nobody#me' }), (e: Error & { status?: number }) => e.status === 400);
  });

  it('who may change a link: the WebID’s own DPoP-bound token or login cookie; anything else is refused with the reason', async () => {
    const hal = await w.peer.createAccount({ email: 'hal@example.org', password: 'hal hal hal' });
    const publicUrl = 'http://127.0.0.1:9';
    const auth = new WebIdAuth({ box: w.box, publicUrl });
    const path = '/api/v1/solid/archive';
    const asHal = w.peer.client(hal);
    const sign = (url: string) => asHal.authHeaders('POST', url);
    const good = await sign(`${publicUrl}${path}`);
    assert.deepEqual(await auth.authenticate({ method: 'POST', path, ...good }), { ok: true, webId: hal.webId, via: 'dpop' });
    const replay = await auth.authenticate({ method: 'POST', path, ...good });
    assert.ok(!replay.ok && /already used/.test(replay.reason), JSON.stringify(replay));
    const elsewhere = await auth.authenticate({ method: 'POST', path, ...(await sign(`http://evil.example${path}`)) });
    assert.ok(!elsewhere.ok && /proof is for http:\/\/evil\.example/.test(elsewhere.reason), JSON.stringify(elsewhere));
    const wrongMethod = await auth.authenticate({ method: 'DELETE', path, ...(await sign(`${publicUrl}${path}`)) });
    assert.ok(!wrongMethod.ok && /not for DELETE/.test(wrongMethod.reason));
    const bearer = await auth.authenticate({ method: 'POST', path, authorization: good.authorization!.replace(/^DPoP/, 'Bearer') });
    assert.ok(!bearer.ok && /only DPoP-bound/.test(bearer.reason));
    const nobody = await auth.authenticate({ method: 'POST', path });
    assert.ok(!nobody.ok && nobody.status === 401 && /sign in first/.test(nobody.reason));

    const cookie = auth.loginCookie(hal.webId).split(';')[0]!;
    assert.deepEqual(await auth.authenticate({ method: 'POST', path, cookie: `other=1; ${cookie}` }), { ok: true, webId: hal.webId, via: 'login' });
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA');
    assert.equal((await auth.authenticate({ method: 'POST', path, cookie: tampered })).ok, false);
    const expired = new WebIdAuth({ box: w.box, publicUrl, now: () => Date.now() + 2 * 3600_000 });
    assert.equal((await expired.authenticate({ method: 'POST', path, cookie })).ok, false, 'the login cookie expires');
    assert.ok(cookie.startsWith(`${LOGIN_COOKIE}=`));
  });
});
