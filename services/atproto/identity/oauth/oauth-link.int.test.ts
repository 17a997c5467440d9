import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { AtprotoPeer, authorizeAsBrowser, pinnedFetch, type AtprotoAccount } from '../../../../libs/harness/index.js';
import { JsonErrorsFilter } from '../../../../libs/platform/json-errors.filter.js';
import { SECRET_BOX } from '../../../../libs/platform/tokens.js';
import { createDataSource, issueAccountToken, KeyStore, readAccountToken, SecretBox } from '../../../../libs/store/index.js';
import { seedAccount } from '../../../../libs/testing/index.js';
import { createTestStore, TEST_DATABASE_URL, type TestStore } from '../../../../libs/store/testing.js';
import { createIdResolver } from '../id-resolver.js';
import { isSessionGone, SessionPool } from '../session-pool.js';
import { longTextMode } from '../preferences.js';
import { AtprotoWatchSignal } from '../watch-signal.js';
import { OAUTH_PATHS } from './oauth-client.js';
import { AtprotoOAuthController } from './oauth.controller.js';
import { AtprotoOAuthService } from './oauth-service.js';
import { OAUTH_PURPOSE } from './oauth-stores.js';

// The whole OAuth linking flow against the real dev-env PDS and its OAuth provider: our client
// metadata served over https (a public-looking name pinned to loopback in the PDS process and in
// the "browser"), PAR, the authorization page driven over HTTP as a browser would, the callback,
// the token exchange with private_key_jwt + DPoP, sessions sealed in Postgres, and a refresh that
// two processes attempt at once done by one of them (the Postgres lock).

const HOST = 'pontis-oauth-test.net';
const PUBLIC = `https://${HOST}`;

/** A self-signed certificate for HOST (the test's own CA stand-in). */
function certificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pontis-oauth-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Counts refresh_token grants a token endpoint accepted (the client's own fetch). Accepted only:
 * a client's first request to a server is refused once for want of a DPoP nonce, then resent.
 */
function countingFetch(counter: { refreshes: number }): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const refresh = req.method === 'POST' && new URL(req.url).pathname === '/oauth/token' && (await req.clone().text()).includes('grant_type=refresh_token');
    const res = await fetch(req);
    if (refresh && res.ok) counter.refreshes++;
    return res;
  }) as typeof fetch;
}

describe('linking your own Bluesky account with OAuth (real PDS OAuth provider)', { timeout: 240_000 }, () => {
  let s: TestStore;
  let second: DataSource;
  let peer: AtprotoPeer;
  let app: INestApplication;
  let tls: Server;
  let appPort = 0;
  let pdsUrl: string;
  let plcUrl: string;
  let alice: AtprotoAccount;
  let browserFetch: typeof fetch;
  let box: SecretBox;
  const counterA = { refreshes: 0 };
  const counterB = { refreshes: 0 };
  let a: { svc: AtprotoOAuthService; pool: SessionPool; keys: KeyStore };
  let b: { svc: AtprotoOAuthService; pool: SessionPool; keys: KeyStore };

  /** One bridge process: its own pool on the shared schema, its own OAuth client. */
  const processOn = (ds: DataSource, counter: { refreshes: number }) => {
    const keys = new KeyStore(ds, box);
    const pool = new SessionPool(keys);
    const svc = new AtprotoOAuthService({ ds, keys, sessions: pool, publicUrl: PUBLIC, plcUrl, allowHttp: true, resolver: createIdResolver(plcUrl, true, pdsUrl), fetch: countingFetch(counter), lockWaitMs: 20_000 });
    return { svc, pool, keys };
  };

  before(async () => {
    const { key, cert } = certificate();
    // TLS in front of the Nest app, as a deployment's proxy would be.
    tls = createTlsServer({ key, cert }, (sock) => {
      const up = connect(appPort, '127.0.0.1');
      sock.pipe(up).pipe(sock);
      sock.on('error', () => up.destroy());
      up.on('error', () => sock.destroy());
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const pin = { hostname: HOST, port: (tls.address() as { port: number }).port, caPem: cert };
    browserFetch = pinnedFetch([pin]);
    peer = new AtprotoPeer({ pinnedHosts: [pin] });
    const info = await peer.start();
    pdsUrl = info.pdsUrl;
    plcUrl = info.plcUrl;
    s = await createTestStore();
    second = await createDataSource({ url: TEST_DATABASE_URL, schema: s.schema, poolSize: 3, applicationName: `${s.schema}-b` });
    box = new SecretBox(randomBytes(32));
    a = processOn(s.ds, counterA);
    b = processOn(second, counterB);
    @Module({ controllers: [AtprotoOAuthController], providers: [{ provide: AtprotoOAuthService, useValue: a.svc }, AtprotoWatchSignal, { provide: SECRET_BOX, useValue: box }] })
    class TestOAuthModule {}
    app = await NestFactory.create(TestOAuthModule, { logger: false });
    app.useGlobalFilters(new JsonErrorsFilter());
    await app.listen(0, '127.0.0.1');
    appPort = (app.getHttpServer().address() as { port: number }).port;
    alice = await peer.createAccount({ handle: 'alice-oauth.test', email: 'alice-oauth@example.com', password: 'alice-pass-123' });
  });

  after(async () => {
    await app?.close();
    await new Promise((r) => (tls ? tls.close(r) : r(undefined)));
    await peer?.stop();
    await second?.destroy();
    await s?.drop();
  });

  it('serves its client metadata over https at the client_id URL', async () => {
    const res = await browserFetch(`${PUBLIC}${OAUTH_PATHS.metadata}`);
    assert.equal(res.status, 200);
    const meta = (await res.json()) as Record<string, unknown>;
    assert.equal(meta.client_id, `${PUBLIC}${OAUTH_PATHS.metadata}`);
    assert.deepEqual(meta.redirect_uris, [`${PUBLIC}${OAUTH_PATHS.callback}`]);
    assert.equal(meta.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal(meta.dpop_bound_access_tokens, true);
    const jwks = (await (await browserFetch(`${PUBLIC}${OAUTH_PATHS.jwks}`)).json()) as { keys: Array<Record<string, unknown>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.d, undefined, 'the private part never leaves');
  });

  it('links the account through the PDS’s authorization page, and writes with the OAuth session', async () => {
    const start = await browserFetch(`${PUBLIC}${OAUTH_PATHS.authorize}?handle=alice-oauth.test&longText=thread`, { redirect: 'manual' });
    assert.equal(start.status, 303, await start.clone().text());
    const authorizeUrl = start.headers.get('location')!;
    assert.ok(authorizeUrl.startsWith(`${pdsUrl}/oauth/authorize?`), authorizeUrl);

    const back = await authorizeAsBrowser(authorizeUrl, { username: 'alice-oauth.test', password: alice.password });
    assert.ok(back.startsWith(`${PUBLIC}${OAUTH_PATHS.callback}?`), back);
    const done = await browserFetch(back);
    const body = (await done.json()) as { did: string; handle: string; created: boolean; linkedWith: string; accountId: string };
    assert.equal(done.status, 200, JSON.stringify(body));
    assert.deepEqual({ did: body.did, handle: body.handle, created: body.created, linkedWith: body.linkedWith }, { did: alice.did, handle: 'alice-oauth.test', created: true, linkedWith: 'oauth' });

    const [row]: { kind: string; consent: string; id: string }[] = await s.ds.query(
      `SELECT i.id, i.kind, a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'atproto' AND i.native_id = $1`,
      [alice.did],
    );
    assert.equal(row?.kind, 'native');
    assert.equal(row?.consent, 'opted_in');
    assert.equal(await longTextMode(s.ds, body.accountId), 'thread', 'the choice made on the way in, carried in the OAuth state');
    // Sealed at rest: the refresh token is in the session, not in the row's bytes.
    const session = JSON.parse((await a.keys.get(null, OAUTH_PURPOSE.session(alice.did)))!.toString('utf8')) as { tokenSet: { refresh_token: string } };
    const [sealed]: { ciphertext: Buffer }[] = await s.ds.query(`SELECT ciphertext FROM key_material WHERE purpose = $1`, [OAUTH_PURPOSE.session(alice.did)]);
    assert.ok(session.tokenSet.refresh_token && !sealed!.ciphertext.includes(Buffer.from(session.tokenSet.refresh_token)));
    // Pending states are used up.
    const [{ n }]: { n: number }[] = await s.ds.query(`SELECT count(*)::int AS n FROM key_material WHERE purpose LIKE 'atproto.oauth.state:%'`);
    assert.equal(n, 0);

    // The deliverer's way in: the session pool gives an agent on the OAuth session (DPoP).
    const agent = await a.pool.agentFor({ identityId: row!.id, did: alice.did, service: pdsUrl });
    const created = await agent.com.atproto.repo.createRecord({ repo: alice.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: 'written through OAuth', createdAt: new Date().toISOString() } });
    const got = await fetch(`${pdsUrl}/xrpc/com.atproto.repo.getRecord?repo=${alice.did}&collection=app.bsky.feed.post&rkey=${created.data.uri.split('/').pop()}`);
    assert.equal(((await got.json()) as { value: { text: string } }).value.text, 'written through OAuth');
  });

  it('refreshes an expired session once when two processes need it at the same time', async () => {
    const stored = JSON.parse((await a.keys.get(null, OAUTH_PURPOSE.session(alice.did)))!.toString('utf8')) as { tokenSet: { expires_at?: string; refresh_token: string } };
    stored.tokenSet.expires_at = new Date(Date.now() - 60_000).toISOString();
    await a.keys.put(null, OAUTH_PURPOSE.session(alice.did), JSON.stringify(stored));
    await Promise.all([a.svc.ready(), b.svc.ready()]);
    counterA.refreshes = counterB.refreshes = 0;

    const [sa, sb] = await Promise.all([(await a.svc.ready()).oauth.client.restore(alice.did), (await b.svc.ready()).oauth.client.restore(alice.did)]);
    assert.equal(counterA.refreshes + counterB.refreshes, 1, `refreshes: ${counterA.refreshes} + ${counterB.refreshes}`);
    const after = JSON.parse((await b.keys.get(null, OAUTH_PURPOSE.session(alice.did)))!.toString('utf8')) as { tokenSet: { expires_at: string; refresh_token: string } };
    assert.notEqual(after.tokenSet.refresh_token, stored.tokenSet.refresh_token, 'rotated');
    assert.ok(Date.parse(after.tokenSet.expires_at) > Date.now());
    // Both processes can write: the PDS did not see a refresh token used twice (which revokes the session).
    for (const sess of [sa, sb]) {
      const res = await sess.fetchHandler(`/xrpc/com.atproto.repo.describeRepo?repo=${alice.did}`);
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
  });

  it('opting out goes through the PDS too: the account stops being bridged and the session is revoked', async () => {
    const start = await browserFetch(`${PUBLIC}${OAUTH_PATHS.authorize}?handle=alice-oauth.test&unlink=1`, { redirect: 'manual' });
    assert.equal(start.status, 303);
    const back = await authorizeAsBrowser(start.headers.get('location')!, { username: 'alice-oauth.test', password: alice.password });
    const done = await browserFetch(back);
    assert.deepEqual(await done.json(), { did: alice.did, optedOut: true });
    const [row]: { consent: string }[] = await s.ds.query(`SELECT a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.native_id = $1`, [alice.did]);
    assert.equal(row?.consent, 'opted_out');
    assert.equal(await a.keys.get(null, OAUTH_PURPOSE.session(alice.did)), null, 'no session kept');
    await assert.rejects((await a.svc.ready()).oauth.client.restore(alice.did), 'nothing to restore');
    // The deliverer's view: no usable session, for good (a permanent failure, not retried).
    const [{ id }]: { id: string }[] = await s.ds.query(`SELECT id FROM identities WHERE native_id = $1`, [alice.did]);
    await assert.rejects(a.pool.agentFor({ identityId: id, did: alice.did, service: pdsUrl }), (err) => isSessionGone(err));
  });

  it('with the account token from linking another network, the Bluesky account joins that account', async () => {
    const carol = await peer.createAccount({ handle: 'carol-oauth.test', email: 'carol-oauth@example.com', password: 'carol-pass-123' });
    const existing = await seedAccount(s.ds, [{ network: 'nostr', id: 'c0'.repeat(32), kind: 'native' }]);
    const bad = await browserFetch(`${PUBLIC}${OAUTH_PATHS.authorize}?handle=carol-oauth.test&account=not-a-token`, { redirect: 'manual' });
    assert.equal(bad.status, 401, 'a bad token is refused before the PDS is involved');
    assert.match(((await bad.json()) as { message: string }).message, /not valid/);

    const token = issueAccountToken(box, existing);
    const start = await browserFetch(`${PUBLIC}${OAUTH_PATHS.authorize}?handle=carol-oauth.test&account=${encodeURIComponent(token)}`, { redirect: 'manual' });
    assert.equal(start.status, 303);
    assert.ok(!start.headers.get('location')!.includes(existing), 'the account id does not travel to the PDS');
    const back = await authorizeAsBrowser(start.headers.get('location')!, { username: 'carol-oauth.test', password: carol.password });
    const done = await browserFetch(back);
    const body = (await done.json()) as { accountId: string; accountToken: string };
    assert.equal(done.status, 200, JSON.stringify(body));
    assert.equal(body.accountId, existing);
    const [row]: { account_id: string }[] = await s.ds.query(`SELECT account_id FROM identities WHERE network = 'atproto' AND native_id = $1`, [carol.did]);
    assert.equal(row?.account_id, existing);
    const again = readAccountToken(box, body.accountToken);
    assert.ok(again.ok && again.accountId === existing, 'a fresh token for the next network');
  });

  it('refuses a callback it did not start, with the reason', async () => {
    const res = await browserFetch(`${PUBLIC}${OAUTH_PATHS.callback}?state=forged&code=x&iss=${encodeURIComponent(pdsUrl)}`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /authorization failed/);
  });
});
