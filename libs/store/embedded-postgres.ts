import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { orderSessionBySocket } from './pglite-query-queue.js';

export interface EmbeddedPostgresOptions {
  /** Folder holding the database files; reused across restarts. */
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * Sockets the server accepts at once. Must be ≥ the pool size: the server's default of 1
   * resets every connection past the first. Default 20 (createDataSource's pool is 10).
   */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** postgres:// URL for pg/TypeORM, as for any other Postgres. */
  url: string;
  /** Destroy DataSources using it first: stop() closes their sockets. */
  stop(): Promise<void>;
}

/** Where the app keeps PGlite inside its data folder (libs/platform/database.ts uses the same). */
export function embeddedPgDir(dataDir: string): string {
  return join(dataDir, 'pglite');
}

/**
 * PGlite (Postgres in WebAssembly) served over the wire protocol, so embedded mode
 * runs the same pg/TypeORM code and migrations as production. One backend serves
 * every socket and runs one transaction at a time: inside a transaction, use its
 * own EntityManager, or the other connection waits for it to end.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  await mkdir(opts.dataDir, { recursive: true });
  // Loaded here rather than at the top: every service imports the store, only the embedded mode
  // runs PGlite, and loading its modules costs each process about 2 MB resident.
  const [{ PGlite }, { pgcrypto }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pgcrypto'),
    import('@electric-sql/pglite-socket'),
  ]);
  // PGlite only has the extensions it is given; the migration's CREATE EXTENSION needs this.
  const db = await PGlite.create(opts.dataDir, { extensions: { pgcrypto } });
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: opts.port ?? 0,
    maxConnections: opts.maxConnections ?? 20,
  });
  // Its own queue lets two sockets' extended-protocol queries interleave (wrong rows): see the file.
  orderSessionBySocket(server, db);
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  // getServerConn() reports the real port once listening, also when 0 was asked for.
  const port = server.getServerConn().split(':').pop();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      // A clean shutdown (checkpoint) so the next start on this folder needs no crash recovery.
      await db.close();
    },
  };
}
