import { join, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import type { PontisConfig } from '../config/index.js';
import { createLogger } from '../observability/index.js';
import { waitFor, type StartupObserver } from '../bus/index.js';
import { createDataSource, isDatabaseUnavailable, runMigrations, startEmbeddedPostgres } from '../store/index.js';

const log = createLogger('database');

export interface Database {
  dataSource: DataSource;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Opens the configured Postgres, or an embedded PGlite served over the wire protocol (same
 * pg/TypeORM code path) when DATABASE_URL is not set, then applies pending migrations under an
 * advisory lock so services booting together do not race. Given `startup`, it waits while the
 * server is away (refused, starting up, in recovery) and tells `startup`; wrong credentials, a
 * missing database or a host name that does not resolve fail at once.
 */
export async function openDatabase(config: PontisConfig, startup?: StartupObserver): Promise<Database> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const dataDir = resolve(config.dataDir, 'pglite');
    const pg = await startEmbeddedPostgres({ dataDir, port: 0, maxConnections: 20 });
    url = pg.url;
    stopEmbedded = pg.stop;
    log.info('embedded postgres started', { dataDir: join(config.dataDir, 'pglite') });
  }
  const options = { url, schema: config.databaseSchema ?? undefined, poolSize: stopEmbedded ? 10 : 20, applicationName: `pontis-${config.services.join('+')}` };
  // Without an observer (the CLI) one attempt: a person at a terminal wants the error, not a wait.
  const dataSource = await waitFor(`postgres ${describeUrl(url)}`, async () => {
    const ds = await createDataSource(options);
    try {
      await migrateLocked(ds);
      return ds;
    } catch (err) {
      await ds.destroy().catch(() => undefined);
      throw err;
    }
  }, { isTransient: (err) => startup !== undefined && isDatabaseUnavailable(err), observer: startup }).catch(async (err: unknown) => {
    await stopEmbedded?.();
    throw err;
  });
  return {
    dataSource,
    embedded: Boolean(stopEmbedded),
    async close() {
      await dataSource.destroy().catch(() => undefined);
      await stopEmbedded?.();
    },
  };
}

/** host:port/database, never the credentials. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

const MIGRATION_LOCK = 7_310_447_001;

async function migrateLocked(ds: DataSource): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await runMigrations(ds);
    if (applied.length) log.info('migrations applied', { applied });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
