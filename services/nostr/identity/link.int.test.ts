import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { loadConfig, type PontisConfig } from '../../../libs/config/index.js';
import { JsonErrorsFilter } from '../../../libs/platform/json-errors.filter.js';
import { CONFIG, DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { NostrIdentityModule } from './nostr-identity.module.js';

/** The identity module alone on a real database, over HTTP; `config` is filled once the port is known (the controller reads it per request). */
async function startLinkApp(config: PontisConfig): Promise<{ s: TestStore; app: INestApplication; base: string }> {
  const s = await createTestStore();
  @Global()
  @Module({
    providers: [
      { provide: DATA_SOURCE, useValue: s.ds },
      { provide: SECRET_BOX, useValue: new SecretBox(createHash('sha256').update('test').digest()) },
      { provide: CONFIG, useValue: config },
    ],
    exports: [DATA_SOURCE, SECRET_BOX, CONFIG],
  })
  class TestPlatformModule {}
  @Module({ imports: [TestPlatformModule, NostrIdentityModule.forRoot({ options: { domain: 'pontis.test', relays: [] } })] })
  class TestAppModule {}
  const app = await NestFactory.create(TestAppModule, { logger: false });
  app.useGlobalFilters(new JsonErrorsFilter());
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  Object.assign(config, loadConfig({ PONTIS_PUBLIC_URL: base }));
  return { s, app, base };
}

describe('linking a person’s own Nostr key with a NIP-98 proof', { timeout: 60_000 }, () => {
  let s: TestStore;
  let app: INestApplication;
  let base: string;
  // Filled once the port is known; the controller reads it per request.
  const config = {} as PontisConfig;
  const sk = generateSecretKey();
  const pubkey = getPublicKey(sk);

  let nonce = 0;
  // A nonce tag keeps two proofs made in the same second distinct events (distinct ids).
  const proof = (url: string, method: string, key = sk, at = Math.floor(Date.now() / 1000)) => {
    const ev = finalizeEvent({ kind: 27235, created_at: at, tags: [['u', url], ['method', method], ['nonce', String(++nonce)]], content: '' }, key);
    return `Nostr ${Buffer.from(JSON.stringify(ev)).toString('base64')}`;
  };
  const call = (method: string, authorization?: string) =>
    fetch(`${base}/api/v1/nostr/link`, { method, headers: authorization ? { authorization } : {} });

  before(async () => {
    ({ s, app, base } = await startLinkApp(config));
  });

  after(async () => {
    await app?.close();
    await s?.drop();
  });

  it('links the key as a native identity and opts its account in', async () => {
    const res = await call('POST', proof(`${base}/api/v1/nostr/link`, 'POST'));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { accountId: string; pubkey: string; created: boolean };
    assert.equal(body.pubkey, pubkey);
    assert.equal(body.created, true);
    const [row]: { kind: string; verified: boolean; consent: string }[] = await s.ds.query(
      `SELECT i.kind, i.verified_at IS NOT NULL AS verified, a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'nostr' AND i.native_id = $1`,
      [pubkey],
    );
    assert.deepEqual(row, { kind: 'native', verified: true, consent: 'opted_in' });
  });

  it('refuses a replayed, stale, misdirected or missing proof with the reason', async () => {
    const once = proof(`${base}/api/v1/nostr/link`, 'POST');
    assert.equal((await call('POST', once)).status, 200);
    const replay = await call('POST', once);
    assert.equal(replay.status, 401);
    assert.match(((await replay.json()) as { message: string }).message, /already used/);
    const stale = await call('POST', proof(`${base}/api/v1/nostr/link`, 'POST', sk, Math.floor(Date.now() / 1000) - 600));
    assert.equal(stale.status, 401);
    const elsewhere = await call('POST', proof('https://evil.example/api/v1/nostr/link', 'POST'));
    assert.equal(elsewhere.status, 401);
    assert.match(((await elsewhere.json()) as { message: string }).message, /NIP-98 proof refused/);
    const wrongMethod = await call('POST', proof(`${base}/api/v1/nostr/link`, 'DELETE'));
    assert.equal(wrongMethod.status, 401);
    assert.equal((await call('POST')).status, 401);
  });

  it('will not let anyone claim one of the bridge’s own keys', async () => {
    const proxy = generateSecretKey();
    const [acct]: { id: string }[] = await s.ds.query(`INSERT INTO accounts (consent) VALUES ('opted_in') RETURNING id`);
    await s.ds.query(`INSERT INTO identities (account_id, network, native_id, kind) VALUES ($1, 'nostr', $2, 'bridged')`, [acct!.id, getPublicKey(proxy)]);
    const res = await call('POST', proof(`${base}/api/v1/nostr/link`, 'POST', proxy));
    assert.equal(res.status, 409);
  });

  it('unlinks: the account is opted out', async () => {
    const res = await call('DELETE', proof(`${base}/api/v1/nostr/link`, 'DELETE'));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { pubkey, optedOut: true });
    const [row]: { consent: string }[] = await s.ds.query(
      `SELECT a.consent FROM identities i JOIN accounts a ON a.id = i.account_id WHERE i.network = 'nostr' AND i.native_id = $1`,
      [pubkey],
    );
    assert.equal(row!.consent, 'opted_out');
  });
});

describe('linking a Nostr key with {backfill: N}', { timeout: 60_000 }, () => {
  let s: TestStore;
  let app: INestApplication;
  let base: string;
  const config = {} as PontisConfig;

  // NIP-98 with a body: the proof names the body's SHA-256 (payload tag).
  const linkWith = (key: Uint8Array, body: unknown) => {
    const json = JSON.stringify(body);
    const ev = finalizeEvent({ kind: 27235, created_at: Math.floor(Date.now() / 1000), tags: [['u', `${base}/api/v1/nostr/link`], ['method', 'POST'], ['payload', createHash('sha256').update(json).digest('hex')]], content: '' }, key);
    return fetch(`${base}/api/v1/nostr/link`, { method: 'POST', headers: { authorization: `Nostr ${Buffer.from(JSON.stringify(ev)).toString('base64')}`, 'content-type': 'application/json' }, body: json });
  };

  before(async () => {
    ({ s, app, base } = await startLinkApp(config));
  });

  after(async () => {
    await app?.close();
    await s?.drop();
  });

  it('starts a backfill of the last N notes with the link; a bad N links nothing', async () => {
    const bad = generateSecretKey();
    const refused = await linkWith(bad, { backfill: 500 });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { message: string }).message, 'backfill count must be a whole number from 1 to 200');
    assert.deepEqual(await s.ds.query(`SELECT 1 FROM identities WHERE native_id = $1`, [getPublicKey(bad)]), []);

    const key = generateSecretKey();
    const res = await linkWith(key, { backfill: 5 });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { accountId: string; backfill: { network: string; nativeId: string; count: number; state: string } };
    assert.deepEqual({ network: body.backfill.network, nativeId: body.backfill.nativeId, count: body.backfill.count, state: body.backfill.state }, { network: 'nostr', nativeId: getPublicKey(key), count: 5, state: 'queued' });
    const [job]: { account_id: string }[] = await s.ds.query(`SELECT account_id FROM backfill_jobs`);
    assert.equal(job!.account_id, body.accountId);
  });
});
