import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from './data-source.js';
import { ALL_MIGRATIONS } from './migrations/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { Account, Delivery, Identity } from './entities/index.js';
import { KeyStore } from './key-store.js';
import { SecretBox } from './secret-box.js';
import { loadSettings, updateSettings } from './settings-store.js';
import { MIGRATED_TABLES } from './testing.js';

// PGlite boots WebAssembly Postgres: seconds, not milliseconds.
describe('embedded Postgres (PGlite over the wire protocol)', { timeout: 180_000 }, () => {
  let dir: string;
  // Everything started is stopped in after(), also when a test fails half way.
  const started: EmbeddedPostgres[] = [];
  const sources: DataSource[] = [];
  const open = async (): Promise<DataSource> => {
    const pg = await startEmbeddedPostgres({ dataDir: dir, maxConnections: 8 });
    started.push(pg);
    assert.match(pg.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const ds = await createDataSource({ url: pg.url, schema: 'pontis', poolSize: 4 });
    sources.push(ds);
    return ds;
  };
  const closeAll = async (): Promise<void> => {
    for (const ds of sources.splice(0)) if (ds.isInitialized) await ds.destroy();
    for (const pg of started.splice(0)) await pg.stop();
  };
  const box = new SecretBox(Buffer.alloc(32, 3));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pontis-pglite-'));
  });
  after(async () => {
    await closeAll();
    await rm(dir, { recursive: true, force: true });
  });

  test('migrates and takes writes through TypeORM', async () => {
    const ds = await open();
    assert.deepEqual(await runMigrations(ds), ALL_MIGRATIONS.map((m) => m.name));
    const [{ v }] = await ds.query(`SELECT current_setting('server_version') AS v`);
    assert.match(v, /^1[5-9]/);
    const tables: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'pontis'`);
    assert.equal(tables[0]!.n, MIGRATED_TABLES.length + 1, 'every migrated table, plus TypeORM\'s migrations table');
    assert.deepEqual((await ds.driver.createSchemaBuilder().log()).upQueries, []);

    const account = await ds.getRepository(Account).save({ displayName: 'Persisted' });
    const identity = await ds.getRepository(Identity).save({ accountId: account.id, network: 'solid', nativeId: 'https://pod.example/card#me', kind: 'bridged', handle: null });
    await new KeyStore(ds, box).put(identity.id, 'solid.client-secret', 'hunter2');
    await updateSettings(ds, { networks: { solid: false } }, 'test');

    const insert = `INSERT INTO deliveries (command_id, event_id, target) VALUES ($1, 'ev-1', 'solid') ON CONFLICT (event_id, target) DO NOTHING RETURNING id`;
    assert.equal((await ds.query(insert, ['c1'])).length, 1);
    assert.equal((await ds.query(insert, ['c2'])).length, 0);

    // The pool's connections share one PGlite backend: parallel work must still all land.
    await Promise.all(Array.from({ length: 12 }, (_, i) => ds.getRepository(Delivery).insert({ commandId: `p${i}`, eventId: `ev-p${i}`, target: 'nostr' })));
    assert.equal(await ds.getRepository(Delivery).count(), 13);

    await closeAll();
  });

  test('a restart on the same folder finds the data and nothing left to migrate', async () => {
    const ds = await open();
    assert.deepEqual(await runMigrations(ds), []);
    const account = await ds.getRepository(Account).findOneByOrFail({ displayName: 'Persisted' });
    const identity = await ds.getRepository(Identity).findOneByOrFail({ accountId: account.id });
    assert.equal((await new KeyStore(ds, box).get(identity.id, 'solid.client-secret'))?.toString(), 'hunter2');
    assert.equal((await loadSettings(ds)).networks.solid, false);
    assert.equal(await ds.getRepository(Delivery).count(), 13);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM audit_log`);
    assert.equal(n, 1);
  });
});
