import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { withAdvisoryLock } from './advisory-lock.js';
import { createDataSource } from './data-source.js';
import { createTestStore, TEST_DATABASE_URL, type TestStore } from './testing.js';

describe('withAdvisoryLock: one holder per key across processes (PostgreSQL)', { timeout: 60_000 }, () => {
  let s: TestStore;
  // A second connection pool on the same database stands for a second process.
  let other: DataSource;

  before(async () => {
    s = await createTestStore();
    other = await createDataSource({ url: TEST_DATABASE_URL, schema: s.schema, poolSize: 2, applicationName: `${s.schema}-b` });
  });
  after(async () => {
    await other?.destroy();
    await s?.drop();
  });

  it('serializes holders on two pools and in one process; different keys do not wait', async () => {
    const key = `test:${randomBytes(4).toString('hex')}`;
    let inside = 0;
    let most = 0;
    const spans: string[] = [];
    const hold = (ds: DataSource, who: string, k = key) =>
      withAdvisoryLock(ds, k, async () => {
        inside++;
        most = Math.max(most, inside);
        spans.push(`${who}+`);
        await new Promise((r) => setTimeout(r, 150));
        spans.push(`${who}-`);
        inside--;
        return who;
      });
    const results = await Promise.all([hold(s.ds, 'a'), hold(other, 'b'), hold(s.ds, 'c')]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.equal(most, 1, `holders overlapped: ${spans.join(' ')}`);
    // Unrelated keys run side by side.
    inside = 0;
    most = 0;
    await Promise.all([hold(s.ds, 'x', `${key}:1`), hold(other, 'y', `${key}:2`)]);
    assert.equal(most, 2);
  });

  it('gives up waiting after waitMs with a clear error, and frees the lock when fn throws', async () => {
    const key = `test:${randomBytes(4).toString('hex')}`;
    let release!: () => void;
    const held = withAdvisoryLock(s.ds, key, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(withAdvisoryLock(other, key, async () => 'never', { waitMs: 200 }), /could not take the lock .* within 200 ms/);
    release();
    await held;
    await assert.rejects(withAdvisoryLock(other, key, async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await withAdvisoryLock(s.ds, key, async () => 'free again', { waitMs: 1_000 }), 'free again');
  });

  it('holders never take the whole pool: work inside the lock that needs a connection still runs', async () => {
    // The test pool has 4 connections; 8 holders of different keys each query the database inside.
    const base = `test:${randomBytes(4).toString('hex')}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => withAdvisoryLock(s.ds, `${base}:${i}`, async () => (await s.ds.query('SELECT $1::int AS n, pg_sleep(0.05)', [i]))[0].n as number, { waitMs: 10_000 })),
    );
    assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
