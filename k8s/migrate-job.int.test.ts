import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ALL_MIGRATIONS } from '../libs/store/migrations/index.js';
import { createTestStore, type TestStore } from '../libs/store/testing.js';
import { testEnv } from '../libs/testing/index.js';
import { exited, runEntrypoint } from '../deploy/testing/entrypoint-process.js';
import { build, containersOf } from './testing/kustomize.js';

const k8s = fileURLToPath(new URL('../../k8s/', import.meta.url));

describe("the migration Job's command, run against the test PostgreSQL", { timeout: 120_000 }, () => {
  let store: TestStore;
  const objs = build(join(k8s, 'overlays/production'));
  const job = objs.find((o) => o.kind === 'Job' && o.metadata.name === 'pontis-migrate')!;
  const [container] = containersOf(job) as unknown as Array<{ args: string[]; envFrom: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }> }>;

  before(async () => {
    // An empty throwaway schema: the Job must create every table itself.
    store = await createTestStore({ migrate: false });
  });
  after(async () => {
    await store?.drop();
  });

  /** The environment the Job's pod gets: its ConfigMap as built, and the Secret's keys pointed at the test database. */
  function jobEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const ref of container!.envFrom) {
      if (ref.configMapRef) Object.assign(env, objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.configMapRef!.name)!.data);
      if (ref.secretRef?.name === 'pontis-core') Object.assign(env, { DATABASE_URL: testEnv.databaseUrl, PONTIS_MASTER_KEY: randomBytes(32).toString('base64') });
    }
    return { ...env, DATABASE_SCHEMA: store.schema };
  }

  it('creates the schema from nothing, and a second run (the next rollout) changes nothing', async () => {
    const first = runEntrypoint(container!.args, jobEnv());
    assert.equal(await exited(first, 60_000), 0, first.output());
    assert.match(first.output(), /^applied: /m);
    const rows: Array<{ n: number }> = await store.ds.query(`SELECT count(*)::int AS n FROM "${store.schema}".migrations`);
    assert.equal(rows[0]!.n, ALL_MIGRATIONS.length, 'every migration recorded');
    const tables: Array<{ n: number }> = await store.ds.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('accounts', 'deliveries', 'object_map')`, [store.schema]);
    assert.equal(tables[0]!.n, 3);

    const again = runEntrypoint(container!.args, jobEnv());
    assert.equal(await exited(again, 60_000), 0, again.output());
    assert.match(again.output(), /schema up to date/);
  });

  it('fails the Job (exit 1) when the database refuses the login, without printing the URL', async () => {
    const env = { ...jobEnv(), DATABASE_URL: testEnv.databaseUrl.replace('postgres://postgres@', 'postgres://no_such_role_x:hunter2pw@') };
    const child = runEntrypoint(container!.args, env);
    assert.equal(await exited(child, 60_000), 1, child.output());
    assert.match(child.output(), /migrate failed: /);
    assert.doesNotMatch(child.output(), /hunter2pw/);
  });
});
