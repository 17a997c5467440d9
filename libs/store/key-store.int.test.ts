import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Account, Identity } from './entities/index.js';
import { KeyStore } from './key-store.js';
import { SecretBox, SecretBoxError } from './secret-box.js';
import { createTestStore, type TestStore } from './testing.js';

describe('KeyStore', { timeout: 60_000 }, () => {
  let s: TestStore;
  let identityId: string;
  let otherIdentityId: string;
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  before(async () => {
    s = await createTestStore();
    const account = await s.ds.getRepository(Account).save({ displayName: 'Keys' });
    const ids = s.ds.getRepository(Identity);
    identityId = (await ids.save({ accountId: account.id, network: 'nostr', nativeId: 'npub1keys', kind: 'bridged', handle: null })).id;
    otherIdentityId = (await ids.save({ accountId: account.id, network: 'nostr', nativeId: 'npub1other', kind: 'bridged', handle: null })).id;
  });
  after(async () => {
    await s?.drop();
  });

  test('round trip; the stored bytes are not the plaintext', async () => {
    const store = new KeyStore(s.ds, new SecretBox([{ version: 1, key: k1 }]));
    const secret = Buffer.from('nsec1-very-secret-private-key-material');
    await store.put(identityId, 'nostr.signing', secret, 'npub1keys');
    assert.deepEqual(await store.get(identityId, 'nostr.signing'), secret);
    assert.equal(await store.getPublicKey(identityId, 'nostr.signing'), 'npub1keys');

    const [row] = await s.ds.query(`SELECT ciphertext, iv, auth_tag, key_version FROM key_material WHERE identity_id = $1`, [identityId]);
    assert.ok(Buffer.isBuffer(row.ciphertext));
    assert.notDeepEqual(row.ciphertext, secret);
    assert.equal(row.ciphertext.indexOf(secret), -1);
    assert.equal(row.ciphertext.indexOf(Buffer.from('secret')), -1);
    assert.equal(row.key_version, 1);
    assert.equal(row.iv.length, 12);
    assert.equal(row.auth_tag.length, 16);
  });

  test('put replaces; a missing secret reads as null', async () => {
    const store = new KeyStore(s.ds, new SecretBox([{ version: 1, key: k1 }]));
    await store.put(identityId, 'atproto.app-password', 'first');
    await store.put(identityId, 'atproto.app-password', 'second');
    assert.equal((await store.get(identityId, 'atproto.app-password'))?.toString(), 'second');
    assert.equal(await store.get(identityId, 'nope'), null);
    assert.equal(await store.delete(identityId, 'atproto.app-password'), true);
    assert.equal(await store.get(identityId, 'atproto.app-password'), null);
  });

  test('bridge-wide secrets (identity null) are unique per purpose', async () => {
    const store = new KeyStore(s.ds, new SecretBox([{ version: 1, key: k1 }]));
    const a = await store.put(null, 'activitypub.instance-actor', 'one');
    const b = await store.put(null, 'activitypub.instance-actor', 'two');
    assert.equal(a, b);
    assert.equal((await store.get(null, 'activitypub.instance-actor'))?.toString(), 'two');
  });

  test('a row moved to another identity does not open', async () => {
    const store = new KeyStore(s.ds, new SecretBox([{ version: 1, key: k1 }]));
    await store.put(identityId, 'moved', 'bound to the first identity');
    await s.ds.query(`UPDATE key_material SET identity_id = $2 WHERE identity_id = $1 AND purpose = 'moved'`, [identityId, otherIdentityId]);
    await assert.rejects(store.get(otherIdentityId, 'moved'), SecretBoxError);
  });

  test('the wrong master key fails clearly; rotation re-seals under the new key', async () => {
    const v1 = new KeyStore(s.ds, new SecretBox([{ version: 1, key: k1 }]));
    await v1.put(identityId, 'rotating', 'survives rotation');

    const wrong = new KeyStore(s.ds, new SecretBox([{ version: 1, key: k2 }]));
    await assert.rejects(wrong.get(identityId, 'rotating'), (err: Error) => err instanceof SecretBoxError && /wrong master key/.test(err.message));

    const v2only = new KeyStore(s.ds, new SecretBox([{ version: 2, key: k2 }]));
    await assert.rejects(v2only.get(identityId, 'rotating'), /no master key for key_version 1/);

    const both = new KeyStore(s.ds, new SecretBox([{ version: 1, key: k1 }, { version: 2, key: k2 }]));
    assert.equal((await both.get(identityId, 'rotating'))?.toString(), 'survives rotation');
    const [{ id: movedId }] = await s.ds.query(`SELECT id FROM key_material WHERE purpose = 'moved'`);
    const result = await both.rotate();
    // The row moved to another identity in the previous test cannot open: reported, left alone.
    assert.deepEqual(result.unreadable, [movedId]);
    assert.ok(result.rotated >= 2);
    const [{ n }] = await s.ds.query(`SELECT count(*)::int AS n FROM key_material WHERE key_version <> 2`);
    assert.equal(n, 1);
    assert.equal((await v2only.get(identityId, 'rotating'))?.toString(), 'survives rotation');
  });
});
