import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

/**
 * Every frontend message of these clients reaches the server in its own TCP packet, a moment
 * apart: what a loaded machine does to a Parse/Bind/Execute/Sync batch now and then, here every
 * time. With pglite-socket's own queue another socket's batch then runs inside this one (errors,
 * or another query's rows); see pglite-query-queue.ts.
 */
function splitWrites(client: pg.PoolClient): void {
  const stream = (client as unknown as { connection: { stream: { write: (...a: unknown[]) => boolean } } }).connection.stream;
  const write = stream.write.bind(stream);
  let chain = Promise.resolve();
  stream.write = (...args: unknown[]) => {
    chain = chain.then(() => new Promise<void>((r) => setTimeout(() => (write(...args), r()), 1)));
    return true;
  };
}

describe('embedded Postgres: concurrent queries from several sockets', { timeout: 120_000 }, () => {
  let dir: string;
  let pgServer: EmbeddedPostgres;
  let pool: pg.Pool;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pontis-pglite-queue-'));
    pgServer = await startEmbeddedPostgres({ dataDir: dir, maxConnections: 8 });
    pool = new pg.Pool({ connectionString: pgServer.url, max: 4 });
    pool.on('connect', splitWrites);
    // An error that reaches an idle client must fail the test, not crash the process.
    pool.on('error', () => undefined);
  });
  after(async () => {
    await pool?.end();
    await pgServer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('each parameterized query gets its own rows', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 120 }, (_, i) =>
        i % 2
          ? pool.query<{ v: string }>('SELECT $1::text AS v', [`t${i}`]).then((r) => [r.rows[0]?.v, `t${i}`])
          : pool.query<{ v: number }>('SELECT $1::int + $2::int AS v', [i, 1]).then((r) => [r.rows[0]?.v, i + 1]),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, []);
    const wrong = results.filter((r) => r.status === 'fulfilled' && r.value[0] !== r.value[1]);
    assert.equal(wrong.length, 0, `queries answered with another query's rows: ${JSON.stringify(wrong.slice(0, 3))}`);
  });

  test('a transaction keeps the session; other sockets wait and then run', async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS t (n int)');
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query('INSERT INTO t (n) VALUES ($1)', [1]);
      const outside = pool.query<{ c: number }>('SELECT count(*)::int AS c FROM t WHERE n = $1', [1]);
      await tx.query('INSERT INTO t (n) VALUES ($1)', [1]);
      await tx.query('COMMIT');
      // The other socket ran after the commit: it sees both rows.
      assert.equal((await outside).rows[0]!.c, 2);
    } finally {
      tx.release();
    }
  });

  test('a failing query leaves the queue working', async () => {
    await assert.rejects(pool.query('SELECT $1::int AS v', ['not a number']), /invalid input syntax/);
    assert.equal((await pool.query<{ v: number }>('SELECT $1::int AS v', [7])).rows[0]!.v, 7);
  });
});
