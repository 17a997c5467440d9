import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { getCursor, listCursors, setCursor } from './cursor-store.js';
import { Account, Delivery, Identity, mirrorModeFor } from './entities/index.js';
import { KeyStore } from './key-store.js';
import { SecretBox } from './secret-box.js';
import { createTestStore, type TestStore } from './testing.js';

const PG_UNIQUE_VIOLATION = '23505';
const PG_CHECK_VIOLATION = '23514';

describe('store constraints', { timeout: 60_000 }, () => {
  let s: TestStore;
  before(async () => {
    s = await createTestStore();
  });
  after(async () => {
    await s?.drop();
  });

  const delivery = (eventId: string, target: string, commandId: string = randomUUID()) =>
    s.ds.getRepository(Delivery).create({ commandId, eventId, target });

  test('a second delivery for the same (event_id, target) is rejected', async () => {
    const repo = s.ds.getRepository(Delivery);
    const first = await repo.save(delivery('ev-1', 'atproto'));
    assert.equal(first.status, 'queued');
    assert.equal(first.attempts, 0);
    await assert.rejects(repo.insert(delivery('ev-1', 'atproto')), { code: PG_UNIQUE_VIOLATION });
    // Same event, another target: a separate delivery.
    await repo.insert(delivery('ev-1', 'nostr'));
    assert.equal(await repo.count({ where: { eventId: 'ev-1' } }), 2);
  });

  test('ON CONFLICT DO NOTHING on the ledger inserts nothing on replay', async () => {
    const insert = (commandId: string) =>
      s.ds.query(
        `INSERT INTO deliveries (command_id, event_id, target) VALUES ($1, 'ev-2', 'solid')
         ON CONFLICT (event_id, target) DO NOTHING RETURNING id`,
        [commandId],
      );
    assert.equal((await insert('cmd-2a')).length, 1);
    assert.equal((await insert('cmd-2b')).length, 0);
    // The ORM spelling of the same thing.
    const res = await s.ds.createQueryBuilder().insert().into(Delivery).values(delivery('ev-2', 'solid')).orIgnore().execute();
    assert.equal(res.raw.length, 0);
    const [{ n }] = await s.ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = 'ev-2'`);
    assert.equal(n, 1);
  });

  test('command_id is unique and status is checked', async () => {
    const repo = s.ds.getRepository(Delivery);
    await repo.insert(delivery('ev-3', 'atproto', 'cmd-3'));
    await assert.rejects(repo.insert(delivery('ev-3b', 'atproto', 'cmd-3')), { code: PG_UNIQUE_VIOLATION });
    await assert.rejects(
      s.ds.query(`INSERT INTO deliveries (command_id, event_id, target, status) VALUES ('c', 'e', 't', 'maybe')`),
      { code: PG_CHECK_VIOLATION },
    );
  });

  test('identities, object_map, pending_events and processed_events enforce their keys', async () => {
    const account = await s.ds.getRepository(Account).save({ displayName: 'Ada' });
    assert.equal(account.consent, 'pending');
    assert.equal(account.status, 'active');
    assert.deepEqual(account.mirror, {});
    assert.equal(mirrorModeFor(account, 'nostr'), 'bridged');

    const ids = s.ds.getRepository(Identity);
    await ids.insert({ accountId: account.id, network: 'nostr', nativeId: 'npub1x', kind: 'native', handle: 'Ada@Example.com' });
    await assert.rejects(ids.insert({ accountId: account.id, network: 'nostr', nativeId: 'npub1x', kind: 'bridged' }), { code: PG_UNIQUE_VIOLATION });
    const [{ n: byHandle }] = await s.ds.query(`SELECT count(*)::int AS n FROM identities WHERE network = 'nostr' AND lower(handle) = lower($1)`, ['ada@example.COM']);
    assert.equal(byHandle, 1);

    const key = randomUUID();
    await s.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'atproto', 'at://x/1', true)`, [key]);
    await assert.rejects(
      s.ds.query(`INSERT INTO object_map (object_key, network, native_id, is_original) VALUES ($1, 'atproto', 'at://x/1', false)`, [randomUUID()]),
      { code: PG_UNIQUE_VIOLATION },
    );

    const pending = `INSERT INTO pending_events (event_id, target, payload, wait_network, wait_native_id, reason, deadline)
      VALUES ('ev-p', 'nostr', '{}', 'atproto', 'at://x/parent', 'reply parent not bridged', now() + interval '1 minute')
      ON CONFLICT (event_id, target) DO NOTHING RETURNING id`;
    assert.equal((await s.ds.query(pending)).length, 1);
    assert.equal((await s.ds.query(pending)).length, 0);

    const processed = `INSERT INTO processed_events (event_id, outcome) VALUES ('ev-x', 'bridged') ON CONFLICT DO NOTHING RETURNING event_id`;
    assert.equal((await s.ds.query(processed)).length, 1);
    assert.equal((await s.ds.query(processed)).length, 0);
  });

  test('one bridged identity per handle and network, whatever the case', async () => {
    const [a]: { id: string }[] = await s.ds.query(`INSERT INTO accounts DEFAULT VALUES RETURNING id`);
    const add = (nativeId: string, handle: string, kind: 'bridged' | 'native', network = 'nostr') =>
      s.ds.query(`INSERT INTO identities (account_id, network, native_id, handle, kind) VALUES ($1, $2, $3, $4, $5)`, [a!.id, network, nativeId, handle, kind]);
    await add('pk-1', 'alice_at_example.social@pontis.test', 'bridged');
    await assert.rejects(add('pk-2', 'Alice_at_Example.social@pontis.test', 'bridged'), { code: PG_UNIQUE_VIOLATION });
    // Native identities carry the person's own handle, which we do not allocate.
    await add('pk-3', 'alice_at_example.social@pontis.test', 'native');
    await add('at-1', 'alice_at_example.social@pontis.test', 'bridged', 'atproto');
  });

  test('deleting an account cascades to its identities and their keys', async () => {
    const account = await s.ds.getRepository(Account).save({ displayName: 'Bo' });
    const identity = await s.ds.getRepository(Identity).save({ accountId: account.id, network: 'activitypub', nativeId: 'https://ap.example/u/bo', kind: 'bridged', handle: null });
    const keys = new KeyStore(s.ds, new SecretBox(Buffer.alloc(32, 7)));
    await keys.put(identity.id, 'signing', Buffer.from('private'));
    await keys.put(null, 'bridge-wide', Buffer.from('kept'));

    await s.ds.getRepository(Account).delete(account.id);
    assert.equal(await s.ds.getRepository(Identity).countBy({ accountId: account.id }), 0);
    const [{ n }] = await s.ds.query(`SELECT count(*)::int AS n FROM key_material WHERE identity_id = $1`, [identity.id]);
    assert.equal(n, 0);
    assert.deepEqual(await keys.get(null, 'bridge-wide'), Buffer.from('kept'));
  });

  test('cursors upsert', async () => {
    assert.equal(await getCursor(s.ds, 'atproto.firehose'), null);
    await setCursor(s.ds, 'atproto.firehose', '100');
    await setCursor(s.ds, 'atproto.firehose', '250');
    assert.equal(await getCursor(s.ds, 'atproto.firehose'), '250');
    // Inside a transaction, through its manager: rolled back with it.
    await assert.rejects(
      s.ds.transaction(async (tx) => {
        await setCursor(tx, 'atproto.firehose', '999');
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(await getCursor(s.ds, 'atproto.firehose'), '250');
    assert.deepEqual((await listCursors(s.ds)).map((c) => [c.name, c.value]), [['atproto.firehose', '250']]);
  });
});
