import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from './data-source.js';

/** The machine's Postgres for *.int.test.ts; override with PONTIS_TEST_DATABASE_URL. */
/** Every table the migrations create (besides TypeORM's `migrations`), for the migration tests. */
export const MIGRATED_TABLES: readonly string[] = [
  'accounts', 'admin_tokens', 'atproto_records', 'audit_log', 'cursors', 'dead_letters', 'deliveries', 'identities',
  'key_material', 'object_map', 'pending_events', 'processed_events', 'settings',
  // the Solid adapter's migration
  'solid_inbox_copies', 'solid_pods', 'solid_resources',
  // activitypub-express's store (services/activitypub)
  'ap_contexts', 'ap_delivery_queue', 'ap_objects', 'ap_streams',
  // backfill (libs/backfill)
  'backfill_items', 'backfill_jobs',
  // moderation: blocks across networks, reports
  'blocks', 'reports',
];

export const TEST_DATABASE_URL = process.env.PONTIS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  ds: DataSource;
  schema: string;
  /** Destroys the DataSource and drops the schema. */
  drop(): Promise<void>;
}

/** A fresh, migrated schema of its own, so concurrent runs never collide. */
export async function createTestStore(opts: { migrate?: boolean; url?: string } = {}): Promise<TestStore> {
  const url = opts.url ?? TEST_DATABASE_URL;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const ds = await createDataSource({ url, schema, poolSize: 4, applicationName: schema });
  if (opts.migrate !== false) await runMigrations(ds);
  return {
    ds,
    schema,
    async drop() {
      if (ds.isInitialized) await ds.destroy();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
