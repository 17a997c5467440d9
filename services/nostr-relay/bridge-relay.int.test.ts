/**
 * The bridge relay inside a Nest app (as deployed), real Postgres for who is bridged, the bridge's
 * own publisher (NIP-42 client) and strangers' plain clients.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Global, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { loadConfig } from '../../libs/config/index.js';
import { HealthRegistry } from '../../libs/platform/health-registry.js';
import { DATA_SOURCE } from '../../libs/platform/tokens.js';
import { SecretBox } from '../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { seedAccount, waitFor } from '../../libs/testing/index.js';
import { NostrKeys } from '../nostr/identity/index.js';
import type { NostrEvent } from '../nostr/mapping/index.js';
import { bridgedAuthSigner, RelayConnection, RelayPublisher } from '../nostr/publish/index.js';
import { NostrRelayModule } from './nostr-relay.module.js';

describe('the bridge relay: NIP-42 + NIP-70, writes restricted to the bridge and what is addressed to it', { timeout: 60_000 }, () => {
  let s: TestStore;
  let app: INestApplication;
  let relayUrl: string;
  let httpUrl: string;
  let keys: NostrKeys;
  let bridgedPk: string;
  let bridge: RelayPublisher;
  let stranger: RelayConnection;
  const strangerSk = generateSecretKey();
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (sk: Uint8Array, kind: number, tags: string[][], content: string) => JSON.parse(JSON.stringify(finalizeEvent({ kind, tags, content, created_at: now() }, sk))) as NostrEvent;

  before(async () => {
    s = await createTestStore();
    keys = new NostrKeys(s.ds, new SecretBox(createHash('sha256').update('relay-test').digest()));
    const account = await seedAccount(s.ds, [{ network: 'activitypub', id: 'https://ap.example/users/alice', kind: 'native' }]);
    const [row] = await s.ds.query(`INSERT INTO identities (account_id, network, native_id, kind) VALUES ($1, 'nostr', 'pending', 'bridged') RETURNING id`, [account]);
    bridgedPk = (await keys.keyFor(row.id)).pubkey;

    const config = loadConfig({ PONTIS_PUBLIC_URL: 'http://127.0.0.1:1', PONTIS_NOSTR_RELAY_STORAGE: ':memory:' });
    @Global()
    @Module({ providers: [{ provide: DATA_SOURCE, useValue: s.ds }, HealthRegistry], exports: [DATA_SOURCE, HealthRegistry] })
    class TestPlatformModule {}
    @Module({ imports: [TestPlatformModule, NostrRelayModule.forRoot(config)] })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as { port: number }).port;
    httpUrl = `http://127.0.0.1:${port}/relay`;
    relayUrl = `ws://127.0.0.1:${port}/relay`;
    const fast = { connectTimeoutMs: 2_000, backoff: { baseMs: 50, maxMs: 200, jitter: 0 } };
    bridge = new RelayPublisher({ publishRelays: [relayUrl], okTimeoutMs: 2_000, ...fast, authSigner: bridgedAuthSigner(s.ds, keys) });
    stranger = new RelayConnection(relayUrl, fast);
  });
  after(async () => {
    bridge?.close();
    stranger?.close();
    await app?.close();
    await s?.drop();
  });

  const bridgedEvent = async (tags: string[][], content: string) => {
    const key = await keys.keyFor((await s.ds.query(`SELECT id FROM identities WHERE native_id = $1`, [bridgedPk]))[0].id);
    try {
      return sign(key.secretKey, 1, tags, content);
    } finally {
      key.secretKey.fill(0);
    }
  };

  it("the bridge publishes its identity's protected event after authenticating as it", async () => {
    const ev = await bridgedEvent([['proxy', 'https://ap.example/notes/1', 'activitypub'], ['-']], 'bridged note');
    const report = await bridge.publishOrThrow(ev);
    assert.equal(report.results[0]!.outcome, 'accepted', report.results[0]!.message);
    const [back] = await stranger.query({ ids: [ev.id] }, 2_000);
    assert.equal(back?.id, ev.id, 'anyone can read it');
  });

  it('nobody else can publish it: a copy handed over by another client is refused (auth-required)', async () => {
    const ev = await bridgedEvent([['-']], 'another bridged note');
    const r = await stranger.publish(ev, 2_000);
    assert.equal(r.outcome, 'permanent');
    assert.match(r.message, /^auth-required:/);
    const unprotected = await bridgedEvent([], 'unprotected, still ours');
    assert.match((await stranger.publish(unprotected, 2_000)).message, /^auth-required:/);
    assert.deepEqual(await stranger.query({ ids: [ev.id, unprotected.id] }, 2_000), []);
  });

  it("a Nostr person's reply to a bridged identity is taken; anything else is restricted", async () => {
    const reply = sign(strangerSk, 1, [['p', bridgedPk]], 'replying to a bridged account');
    assert.equal((await stranger.publish(reply, 2_000)).outcome, 'accepted');
    const unrelated = sign(strangerSk, 1, [], 'spam');
    const r = await stranger.publish(unrelated, 2_000);
    assert.equal(r.outcome, 'permanent');
    assert.match(r.message, /^restricted:/);
    const theirProtected = sign(strangerSk, 1, [['-'], ['p', bridgedPk]], 'protected, not authenticated');
    assert.match((await stranger.publish(theirProtected, 2_000)).message, /^auth-required:/);
    const forged = { ...sign(strangerSk, 1, [['p', bridgedPk]], 'forged'), sig: '0'.repeat(128) };
    assert.notEqual((await stranger.publish(forged, 2_000)).outcome, 'accepted');
    assert.equal(getPublicKey(strangerSk).length, 64);
  });

  it('keeps serving a deletion request (NIP-09) after applying it', async () => {
    const reply = sign(strangerSk, 1, [['p', bridgedPk]], 'a reply I regret');
    assert.equal((await stranger.publish(reply, 2_000)).outcome, 'accepted');
    const deletion = sign(strangerSk, 5, [['e', reply.id], ['k', '1']], '');
    assert.equal((await stranger.publish(deletion, 2_000)).outcome, 'accepted');
    const seen = await waitFor(async () => {
      const found = await stranger.query({ ids: [reply.id, deletion.id] }, 2_000);
      return found.length === 1 && found;
    }, { what: 'the note gone and its deletion kept', timeoutMs: 5_000 });
    assert.equal(seen[0]!.id, deletion.id);
  });

  it('serves a NIP-11 document announcing NIP-42 and NIP-70 with restricted writes', async () => {
    const res = await fetch(httpUrl, { headers: { accept: 'application/nostr+json' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const doc = (await res.json()) as { supported_nips: number[]; limitation: { restricted_writes: boolean } };
    assert.ok([42, 70].every((n) => doc.supported_nips.includes(n)));
    assert.equal(doc.limitation.restricted_writes, true);
  });
});
