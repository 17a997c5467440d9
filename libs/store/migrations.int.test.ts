import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDataSource, runMigrations } from './data-source.js';
import { ALL_MIGRATIONS } from './migrations/index.js';
import { createTestStore, MIGRATED_TABLES as TABLES, TEST_DATABASE_URL, type TestStore } from './testing.js';


describe('migrations', { timeout: 60_000 }, () => {
  let s: TestStore;
  before(async () => {
    s = await createTestStore({ migrate: false });
  });
  after(async () => {
    await s?.drop();
  });

  test('run on an empty schema and create every table there', async () => {
    const applied = await runMigrations(s.ds);
    assert.deepEqual(applied, ALL_MIGRATIONS.map((m) => m.name));
    const rows: { table_name: string }[] = await s.ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [s.schema],
    );
    assert.deepEqual(rows.map((r) => r.table_name), [...TABLES, 'migrations'].sort());
  });

  test('are idempotent: a second run applies nothing and changes nothing', async () => {
    const before = await s.ds.query(`SELECT count(*)::int AS n FROM settings`);
    assert.deepEqual(await runMigrations(s.ds), []);
    assert.deepEqual(await s.ds.query(`SELECT count(*)::int AS n FROM settings`), before);
    const [{ n }] = await s.ds.query(`SELECT count(*)::int AS n FROM migrations`);
    assert.equal(n, ALL_MIGRATIONS.length);
  });

  test('seed the default settings', async () => {
    const rows: { key: string; value: unknown }[] = await s.ds.query(`SELECT key, value FROM settings ORDER BY key`);
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.key, r.value])), {
      'consent.default': 'opt-in',
      'domains.allowed': [],
      'domains.blocked': [],
      networks: { activitypub: true, atproto: true, nostr: true, solid: true },
    });
  });

  test('the entities match the migrated schema (nothing left for TypeORM to synchronize)', async () => {
    const sql = await s.ds.driver.createSchemaBuilder().log();
    assert.deepEqual(sql.upQueries.map((q) => q.query), []);
  });
});

describe('migrations started by several processes at once', { timeout: 60_000 }, () => {
  test('apply once; the others find nothing pending', async () => {
    const s = await createTestStore({ migrate: false });
    const others = await Promise.all([1, 2].map(() => createDataSource({ url: TEST_DATABASE_URL, schema: s.schema, poolSize: 2 })));
    try {
      const results = await Promise.all([s.ds, ...others].map((ds) => runMigrations(ds)));
      assert.deepEqual(results.map((r) => r.length).sort(), [0, 0, ALL_MIGRATIONS.length]);
    } finally {
      for (const ds of others) await ds.destroy();
      await s.drop();
    }
  });
});
