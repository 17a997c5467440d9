import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { SERVICE_NAMES } from '../libs/config/index.js';
import { freePort } from '../libs/harness/util.js';
import { testEnv, waitFor } from '../libs/testing/index.js';
import { exited, runEntrypoint } from './testing/entrypoint-process.js';

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnv.databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

interface Health {
  status: string;
  components: Record<string, { ok: boolean; detail?: string }>;
}

describe('image entry point, outside a container, on the test PostgreSQL', { timeout: 300_000 }, () => {
  const schema = `t_deploy_${randomBytes(5).toString('hex')}`;
  const children: ChildProcess[] = [];
  let dataDir: string;
  let env: Record<string, string>;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pontis-entrypoint-'));
    // What the compose file and the Deployments set; the bus is the in-process one so this test
    // needs no broker (the Kafka path is covered by services/pontis/separate-processes.int.test.ts).
    env = {
      HOST: '127.0.0.1',
      DATABASE_URL: testEnv.databaseUrl,
      DATABASE_SCHEMA: schema,
      PONTIS_MASTER_KEY: randomBytes(32).toString('base64'),
      PONTIS_DATA_DIR: dataDir,
      PONTIS_SANDBOX: '0',
      LOG_LEVEL: 'warn',
    };
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrate applies the migrations once, then finds the schema up to date', async () => {
    const first = runEntrypoint(['migrate'], env);
    children.push(first);
    assert.equal(await exited(first), 0, first.output());
    assert.match(first.output(), /^applied: InitialSchema\d+/m);
    const again = runEntrypoint(['migrate'], env);
    children.push(again);
    assert.equal(await exited(again), 0, again.output());
    assert.match(again.output(), /schema up to date/);
  });

  it('migrate against an unreachable database fails with exit 1 and no URL in the message', async () => {
    const port = await freePort();
    const child = runEntrypoint(['migrate'], { ...env, DATABASE_URL: `postgres://pontis:s3cret-pw@127.0.0.1:${port}/pontis` });
    children.push(child);
    assert.equal(await exited(child), 1);
    assert.match(child.output(), /migrate failed: /);
    assert.doesNotMatch(child.output(), /s3cret-pw/);
  });

  for (const service of [...SERVICE_NAMES, 'all']) {
    it(`starts ${service}, serves /health with the database and bus up, and stops cleanly on SIGTERM`, async () => {
      const port = await freePort();
      const child = runEntrypoint(service === 'all' ? [] : [service], { ...env, PORT: String(port) });
      children.push(child);
      const health = await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${child.output()}`);
          const res = await fetch(`http://127.0.0.1:${port}/health`);
          // 503 is a valid answer here: an adapter with no network configured says so in its
          // component; what this test checks is that the process is up and wired. A 503 saying
          // "starting" is the start-up health answer while it still opens the database and bus.
          const body = (res.status === 200 || res.status === 503) && ((await res.json()) as Health & { status?: string });
          return body && body.status !== 'starting' && body;
        },
        { what: `${service} /health`, timeoutMs: 90_000, intervalMs: 250 },
      );
      assert.equal(health.components.database?.ok, true, JSON.stringify(health));
      assert.equal(health.components.bus?.ok, true, JSON.stringify(health));
      child.kill('SIGTERM');
      // Nest's shutdown hooks close the app, then re-raise the signal: either ending is clean.
      assert.ok([0, 'SIGTERM'].includes(await exited(child)), `ending after SIGTERM; output: ${child.output()}`);
      assert.doesNotMatch(child.output(), /"level":"error"/);
    });
  }

  it('refuses to start a service with a wrong setting, naming it', async () => {
    const child = runEntrypoint(['translator'], { ...env, PONTIS_MASTER_KEY: '' });
    children.push(child);
    assert.equal(await exited(child), 2);
    assert.match(child.output(), /PONTIS_MASTER_KEY is required with DATABASE_URL/);
  });
});
