/**
 * BridgedActors' per-process caches against real Postgres and apex: a delivery after the first
 * asks the database nothing about the actor or its key, and what is cached is what is stored
 * (two processes provisioning the same account at once both sign with the key that won).
 */
import assert from 'node:assert/strict';
import { randomBytes, createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { seedAccount } from '../../../libs/testing/index.js';
import { createApex } from '../apex/apex-instance.js';
import { ApexPostgresStore } from '../store/apex-postgres-store.js';
import { BridgedActors } from './bridged-actors.js';

const base = 'https://pontis.example';

/** Counts the statements sent through `ds` (the cache's whole point is to send fewer). */
function counting(ds: DataSource): { ds: DataSource; n: () => number } {
  let n = 0;
  const proxy = new Proxy(ds, {
    get(target, prop, receiver) {
      if (prop === 'query') return (...args: Parameters<DataSource['query']>) => (n++, target.query(...args));
      if (prop === 'transaction') return (fn: (m: unknown) => Promise<unknown>) => target.transaction((m) => (n++, fn(m)));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { ds: proxy, n: () => n };
}

async function actorsOn(ds: DataSource, box: SecretBox): Promise<BridgedActors> {
  const store = new ApexPostgresStore(ds, box);
  const apex = await createApex({ baseUrl: base, store, version: 't' });
  return new BridgedActors({ ds, store, apex, baseUrl: base, domain: 'pontis.example' });
}

describe('BridgedActors caches (Postgres + apex)', { timeout: 120_000 }, () => {
  let s: TestStore;
  const box = new SecretBox(randomBytes(32));
  before(async () => {
    s = await createTestStore();
  });
  after(async () => s?.drop());

  it('the actor and its key are read once per process; later deliveries send no statement for them', async () => {
    const account = await seedAccount(s.ds, [{ network: 'nostr', id: 'c1'.repeat(32), kind: 'native' }]);
    const c = counting(s.ds);
    const actors = await actorsOn(c.ds, box);
    const first = await actors.ensure(account);
    const key = await actors.signing(first.id);
    const before = c.n();
    assert.ok(before > 0);
    assert.deepEqual(await actors.ensure(account), first);
    assert.equal(await actors.signing(first.id), key);
    assert.equal(c.n(), before, 'no statement for a cached actor and key');

    // Another process (a fresh instance) reads the same actor and key from the database.
    const other = await actorsOn(s.ds, box);
    assert.deepEqual(await other.ensure(account), first);
    assert.equal((await other.signing(first.id)).privateKeyPem, key.privateKeyPem);
    assert.equal(key.privateKey.asymmetricKeyType, 'rsa', 'kept parsed for signing');
  });

  it('two processes provisioning one account at once both cache the stored key, not the one each made', async () => {
    const account = await seedAccount(s.ds, [{ network: 'nostr', id: 'c2'.repeat(32), kind: 'native' }]);
    const [a, b] = await Promise.all([actorsOn(s.ds, box), actorsOn(s.ds, box)]);
    const [actorA, actorB] = await Promise.all([a.ensure(account), b.ensure(account)]);
    assert.equal(actorA.id, actorB.id);
    const [keyA, keyB] = await Promise.all([a.signing(actorA.id), b.signing(actorB.id)]);
    assert.equal(keyA.privateKeyPem, keyB.privateKeyPem, 'one key for one actor');
    // And it is the key whose public half the served document names.
    const doc = (await new ApexPostgresStore(s.ds, box).getObject(actorA.id)) as { publicKey: { publicKeyPem: string[] }[] };
    const published = doc.publicKey[0]!.publicKeyPem[0]!;
    assert.equal(createPublicKey(keyA.privateKeyPem).export({ type: 'spki', format: 'pem' }), createPublicKey(published).export({ type: 'spki', format: 'pem' }));
  });
});
