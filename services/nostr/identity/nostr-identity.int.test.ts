import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getPublicKey } from 'nostr-tools/pure';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../../libs/config/index.js';
import { CONFIG, DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import { createDataSource, KeyStore, parseMasterKey, SecretBox } from '../../../libs/store/index.js';
import { createTestStore, TEST_DATABASE_URL, type TestStore } from '../../../libs/store/testing.js';
import { NostrKeyError, NostrKeys } from './bridged-keys.js';
import { NOSTR_SIGNING_PURPOSE } from './constants.js';
import { bridgedNip05Name } from './handles.js';
import { nip05Handle } from './nip05.js';
import { NostrIdentityModule } from './nostr-identity.module.js';

const DOMAIN = 'bridge.test';
const RELAYS = ['wss://relay.bridge.test', 'wss://relay2.bridge.test'];

describe('Nostr identity: nostr.json and bridged keys', { timeout: 60_000 }, () => {
  let s: TestStore;
  let app: INestApplication;
  let base: string;
  let keys: NostrKeys;
  const masterV1 = randomBytes(32).toString('base64');
  const box = new SecretBox([{ version: 1, key: parseMasterKey(masterV1) }]);

  /** An account with one identity, as provisioning will create it (native_id set by keyFor). */
  async function seed(opts: { handle?: string | null; kind?: 'bridged' | 'native'; network?: string; consent?: string; status?: string } = {}): Promise<string> {
    const [account] = await s.ds.query(`INSERT INTO accounts (consent, status) VALUES ($1, $2) RETURNING id`, [opts.consent ?? 'opted_in', opts.status ?? 'active']);
    const [identity] = await s.ds.query(
      `INSERT INTO identities (account_id, network, native_id, handle, kind) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [account.id, opts.network ?? 'nostr', `pending:${randomBytes(8).toString('hex')}`, opts.handle ?? null, opts.kind ?? 'bridged'],
    );
    return identity.id;
  }
  const get = (query: string): Promise<Response> => fetch(`${base}/.well-known/nostr.json${query}`, { redirect: 'manual' });

  before(async () => {
    s = await createTestStore();
    @Global()
    @Module({
      providers: [{ provide: DATA_SOURCE, useValue: s.ds }, { provide: SECRET_BOX, useValue: box }, { provide: CONFIG, useValue: loadConfig({}) }],
      exports: [DATA_SOURCE, SECRET_BOX, CONFIG],
    })
    class TestPlatformModule {}
    @Module({ imports: [TestPlatformModule, NostrIdentityModule.forRoot({ options: { domain: DOMAIN, relays: RELAYS } })] })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    keys = app.get(NostrKeys);
  });
  after(async () => {
    await app?.close();
    await s?.drop();
  });

  it('serves names and relays for a bridged identity, with CORS and no redirect', async () => {
    const name = bridgedNip05Name({ network: 'activitypub', handle: '@alice@example.social', nativeId: 'https://example.social/users/alice' }).name;
    const id = await seed({ handle: nip05Handle(name, DOMAIN) });
    const { pubkey } = await keys.keyFor(id);

    const res = await get(`?name=${name}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), { names: { [name]: pubkey }, relays: { [pubkey]: RELAYS } });

    // Case-insensitive lookup; the answer is keyed by the name as the client asked for it.
    const upper = await (await get(`?name=${name.toUpperCase()}`)).json();
    assert.deepEqual(upper, { names: { [name.toUpperCase()]: pubkey }, relays: { [pubkey]: RELAYS } });

    const [row] = await s.ds.query(`SELECT native_id FROM identities WHERE id = $1`, [id]);
    assert.equal(row.native_id, pubkey, 'creating the key made the pubkey the native id');
  });

  it('answers an unknown name with an empty document', async () => {
    const res = await get('?name=nobody_at_example.social');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await res.json(), { names: {}, relays: {} });
  });

  it('refuses an invalid, repeated or missing name with a 400 JSON error', async () => {
    for (const q of ['?name=b%C3%BC', '?name=a%20b', `?name=${'a'.repeat(65)}`, '?name=a&name=b', '']) {
      const res = await get(q);
      assert.equal(res.status, 400, q);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const body = (await res.json()) as { statusCode: number; message: string };
      assert.equal(body.statusCode, 400);
      assert.ok(body.message.length > 0);
    }
  });

  it('stops vouching for accounts taken down or opted out, and for identities without a key', async () => {
    const down = await seed({ handle: nip05Handle('down_at_example.social', DOMAIN), status: 'taken_down' });
    await keys.keyFor(down);
    const out = await seed({ handle: nip05Handle('out_at_example.social', DOMAIN), consent: 'opted_out' });
    await keys.keyFor(out);
    await seed({ handle: nip05Handle('keyless_at_example.social', DOMAIN) });
    for (const name of ['down_at_example.social', 'out_at_example.social', 'keyless_at_example.social'])
      assert.deepEqual(await (await get(`?name=${name}`)).json(), { names: {}, relays: {} }, name);
  });

  it('serves the root name _ once the bridge has its own key', async () => {
    assert.deepEqual(await (await get('?name=_')).json(), { names: {}, relays: {} });
    const bot = await keys.botKey();
    assert.deepEqual(await (await get('?name=_')).json(), { names: { _: bot.pubkey }, relays: { [bot.pubkey]: RELAYS } });
    assert.equal((await keys.botKey()).pubkey, bot.pubkey);
  });

  it('round-trips the key through KeyStore, sealed, stable across instances', async () => {
    const id = await seed();
    const first = await keys.keyFor(id);
    assert.equal(first.secretKey.length, 32);
    assert.equal(getPublicKey(first.secretKey), first.pubkey);
    assert.equal(JSON.stringify(first).includes('secretKey'), false, 'the secret stays out of JSON and logs');

    const store = new KeyStore(s.ds, box);
    assert.deepEqual(new Uint8Array((await store.get(id, NOSTR_SIGNING_PURPOSE))!), first.secretKey);
    assert.equal(await store.getPublicKey(id, NOSTR_SIGNING_PURPOSE), first.pubkey);
    const [row] = await s.ds.query(`SELECT ciphertext FROM key_material WHERE identity_id = $1`, [id]);
    assert.equal((row.ciphertext as Buffer).indexOf(Buffer.from(first.secretKey)), -1, 'only ciphertext at rest');

    const fresh = new NostrKeys(s.ds, new SecretBox(masterV1));
    assert.deepEqual((await fresh.keyFor(id)).secretKey, first.secretKey);
    assert.equal(await fresh.pubkeyFor(id), first.pubkey);
  });

  it('gives two racing processes the same key, and creates one row', async () => {
    const ids = await Promise.all([seed(), seed(), seed(), seed(), seed()]);
    const other: DataSource = await createDataSource({ url: TEST_DATABASE_URL, schema: s.schema, poolSize: 4 });
    try {
      // Two instances on two pools stand for two processes; each also races itself.
      const a = new NostrKeys(s.ds, box);
      const b = new NostrKeys(other, new SecretBox(masterV1));
      for (const [id, results] of await Promise.all(
        ids.map(async (id) => [id, await Promise.all([a.keyFor(id), b.keyFor(id), a.keyFor(id), b.pubkeyFor(id)])] as const),
      )) {
        const pubkeys = results.map((r) => (typeof r === 'string' ? r : r.pubkey));
        assert.equal(new Set(pubkeys).size, 1, pubkeys.join(' '));
        const [{ n }] = await s.ds.query(`SELECT count(*)::int AS n FROM key_material WHERE identity_id = $1`, [id]);
        assert.equal(n, 1);
        assert.equal((await new NostrKeys(s.ds, box).keyFor(id)).pubkey, pubkeys[0], 'the stored key is the one both got');
      }
    } finally {
      await other.destroy();
    }
  });

  it('never mints a key for a native or non-Nostr identity, or an unknown id', async () => {
    await assert.rejects(keys.keyFor(await seed({ kind: 'native' })), NostrKeyError);
    await assert.rejects(keys.keyFor(await seed({ network: 'activitypub' })), /not a bridged Nostr identity/);
    await assert.rejects(keys.keyFor('00000000-0000-4000-8000-000000000000'), /no identity/);
    await assert.rejects(keys.keyFor('not-a-uuid'), /uuid/);
  });

  // Last: rotate() re-seals every row in the schema.
  it('keeps every npub through a master-key rotation', async () => {
    const id = await seed();
    const before = await keys.keyFor(id);
    const keyV2 = randomBytes(32);
    const { rotated } = await new KeyStore(s.ds, new SecretBox([{ version: 1, key: masterV1 }, { version: 2, key: keyV2 }])).rotate();
    assert.ok(rotated >= 1);
    const afterRotation = await new NostrKeys(s.ds, new SecretBox([{ version: 2, key: keyV2 }])).keyFor(id);
    assert.equal(afterRotation.pubkey, before.pubkey);
    assert.deepEqual(afterRotation.secretKey, before.secretKey);
    await assert.rejects(new NostrKeys(s.ds, new SecretBox(masterV1)).keyFor(id), /no master key for key_version 2/);
  });
});
