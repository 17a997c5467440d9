import pg from 'pg';
import { DataSource, MigrationExecutor } from 'typeorm';
import { ALL_ENTITIES } from './entities/index.js';
import { ALL_MIGRATIONS } from './migrations/index.js';

export interface StoreOptions {
  url: string;
  /** Lowercase SQL identifier; created when missing. Omitted: the server's default (public). */
  schema?: string;
  /** Default 10. With embedded Postgres keep it ≤ its maxConnections. */
  poolSize?: number;
  /** Shown in pg_stat_activity: which service (or test) a connection belongs to. */
  applicationName?: string;
  logging?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Connects and initializes TypeORM. Never synchronizes and never migrates on its own: see runMigrations. */
export async function createDataSource(opts: StoreOptions): Promise<DataSource> {
  const schema = opts.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}" (lowercase SQL identifier)`);
  if (schema) await ensureSchema(opts.url, schema);

  const ds = new DataSource({
    type: 'postgres',
    url: opts.url,
    schema,
    entities: ALL_ENTITIES,
    migrations: ALL_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    uuidExtension: 'pgcrypto',
    // Otherwise TypeORM runs CREATE EXTENSION on connect, landing it in the first schema
    // of search_path; the migration creates it in public instead.
    installExtensions: false,
    poolSize: opts.poolSize ?? 10,
    applicationName: opts.applicationName ?? 'pontis',
    connectTimeoutMS: 10_000,
    logging: opts.logging ?? false,
    extra: schema ? { verify: searchPathSetter(schema) } : {},
  });
  await ds.initialize();
  return ds;
}

/**
 * Runs pending migrations in one transaction; returns the names applied (empty when up to date).
 * Safe when several processes start at once (one Deployment, many pods): an advisory lock per
 * schema, taken before TypeORM even reads its migrations table, makes them apply one at a time,
 * so the later ones find nothing pending instead of failing on CREATE TABLE.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const schema = (ds.options as { schema?: string }).schema ?? 'public';
  const qr = ds.createQueryRunner('master');
  try {
    await qr.startTransaction();
    await qr.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pontis.migrations:${schema}`]);
    // Given an open transaction, the executor runs inside it and leaves commit to us.
    const executor = new MigrationExecutor(ds, qr);
    executor.transaction = 'all';
    const done = await executor.executePendingMigrations();
    await qr.commitTransaction();
    return done.map((m) => m.name);
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    throw err;
  } finally {
    await qr.release();
  }
}

/**
 * pg-pool awaits `verify` for every new connection before handing it out, so each session
 * starts with the schema first on search_path (hand-written migration SQL is unqualified).
 * The `options=-c search_path` startup parameter would be simpler, but PGlite ignores it.
 */
function searchPathSetter(schema: string) {
  return (client: pg.PoolClient, done: (err?: Error) => void): void => {
    client.query(`SET search_path TO "${schema}", public`).then(() => done(), done);
  };
}

async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (err) {
    // Two processes creating the same schema at once: one loses the race on the catalog's unique index.
    if ((err as { code?: string }).code !== '23505') throw err;
  } finally {
    await client.end();
  }
}
