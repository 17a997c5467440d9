import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/index.js';
import { createDataSource, runMigrations } from './data-source.js';
import { embeddedPgDir, startEmbeddedPostgres } from './embedded-postgres.js';

/** Applies pending migrations; returns the names applied (empty when up to date). */
export async function migrate(url: string, schema?: string): Promise<string[]> {
  const ds = await createDataSource({ url, schema, poolSize: 1 });
  try {
    return await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}

/**
 * CLI: `node dist/libs/store/migrate.js [url] [schema]`. Without a url it uses
 * DATABASE_URL / DATABASE_SCHEMA, or, when none is set, the embedded PGlite in the data dir.
 */
async function main(argv: string[]): Promise<void> {
  let url: string | undefined = argv[0];
  let schema: string | undefined = argv[1];
  let embedded: { stop(): Promise<void> } | undefined;
  if (!url) {
    // loadConfig demands a master key alongside DATABASE_URL; migrating needs none.
    const cfg = loadConfig({ ...process.env, PONTIS_MASTER_KEY: process.env.PONTIS_MASTER_KEY || '0'.repeat(64) });
    schema ??= cfg.databaseSchema ?? undefined;
    if (cfg.databaseUrl) url = cfg.databaseUrl;
    else {
      const pg = await startEmbeddedPostgres({ dataDir: embeddedPgDir(cfg.dataDir) });
      embedded = pg;
      url = pg.url;
    }
  }
  try {
    const applied = await migrate(url, schema);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n');
  } finally {
    await embedded?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    // Connection errors can carry the URL; print only the message, never the config.
    process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
