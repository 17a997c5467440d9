/**
 * A service process started while its broker or database is away waits for it, answering /health
 * with 503 and what it waits for, and runs once it is there: no exit, no restart. A configuration
 * error still stops it at once. Real parts: a broker and a PostgreSQL cluster of the test's own,
 * started late on the ports the service was given.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { KafkaBus, NamespacedBus, type Bus } from '../../libs/bus/index.js';
import { eventFixture, TOPICS } from '../../libs/events/index.js';
import { KafkaBroker } from '../../libs/harness/kafka-broker.js';
import { PostgresCluster } from '../../libs/harness/postgres-cluster.js';
import { exited, runService, type ServiceProcess } from '../../libs/harness/service-process.js';
import { freePort } from '../../libs/harness/util.js';
import { createDataSource } from '../../libs/store/index.js';
import { createTestStore } from '../../libs/store/testing.js';
import { seedAccount, testEnv, waitFor } from '../../libs/testing/index.js';

type Health = { status: string; components: Record<string, { ok: boolean; detail: string }> };

async function health(port: number): Promise<{ code: number; body: Health } | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  return res && { code: res.status, body: (await res.json()) as Health };
}

const waitingLines = (p: ServiceProcess) => p.stderrText().split('\n').filter((l) => l.includes('"msg":"waiting"'));

/** The service answers 503 naming `what`, keeps waiting (two attempts logged), and has not exited. */
async function seeItWait(p: ServiceProcess, port: number, what: RegExp): Promise<Health> {
  const starting = await waitFor(
    async () => {
      const h = await health(port);
      return h?.code === 503 && Object.keys(h.body.components).some((k) => what.test(k)) && h.body;
    },
    { what: `a 503 naming ${what} (stderr: ${p.stderrText()})`, timeoutMs: 120_000, intervalMs: 500 },
  );
  await waitFor(() => waitingLines(p).length >= 2, { what: `two waiting lines (stderr: ${p.stderrText()})`, timeoutMs: 60_000, intervalMs: 500 });
  assert.equal(p.exitCode, null, 'still running while it waits');
  return starting;
}

async function seeItRun(p: ServiceProcess, port: number): Promise<void> {
  await waitFor(async () => (await health(port))?.code === 200, { what: `/health 200 (stderr: ${p.stderrText()})`, timeoutMs: 240_000, intervalMs: 1_000 });
  assert.equal(p.exitCode, null, 'the same process, never restarted');
}

/** A post by an opted-in person goes in; the translator records one queued delivery per other network. */
async function seeItBridge(bus: Bus, ds: DataSource, p: ServiceProcess): Promise<void> {
  const event = eventFixture('post.created');
  await bus.publish(TOPICS.events, [{ key: 'alice', value: JSON.stringify(event) }]);
  await waitFor(
    async () => {
      const [row]: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = $1`, [event.id]);
      return row!.n === 3;
    },
    { what: `three deliveries of ${event.id} (stderr: ${p.stderrText()})`, timeoutMs: 120_000, intervalMs: 500 },
  );
}

describe('a service started before its broker or database', { timeout: 600_000 }, () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve().then(c).catch(() => undefined);
  });
  const masterKey = randomBytes(32).toString('base64');

  it('waits for a broker that starts late, then bridges without a restart', async () => {
    const store = await createTestStore();
    cleanups.push(() => store.drop());
    const dir = mkdtempSync(join(tmpdir(), 'late-kafka-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const kafkaPort = await freePort();
    const broker = new KafkaBroker({ dataDir: join(dir, 'kafka'), port: kafkaPort, controllerPort: await freePort() });
    cleanups.push(() => broker.stop());
    const port = await freePort();
    const translator = runService('translator', {
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      KAFKA_PARTITIONS: '2',
      DATABASE_URL: testEnv.databaseUrl,
      DATABASE_SCHEMA: store.schema,
      PONTIS_MASTER_KEY: masterKey,
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    cleanups.push(() => translator.kill('SIGKILL'));

    const starting = await seeItWait(translator, port, /^kafka broker 127\.0\.0\.1:\d+$/);
    assert.equal(starting.status, 'starting');
    assert.match(Object.values(starting.components)[0]!.detail, /^waiting \(attempt \d+, next in \d+ ms\): /);

    await broker.start();
    await seeItRun(translator, port);
    const bus = new KafkaBus({ brokers: [broker.brokers], clientId: 'late-kafka-test', logLevel: 'error' });
    cleanups.push(() => bus.stop());
    await bus.start();
    await seedAccount(store.ds, [{ network: 'activitypub', id: 'https://mastodon.example/users/alice', kind: 'native' }]);
    await seeItBridge(bus, store.ds, translator);
  });

  it('waits for a PostgreSQL that starts late, migrates it, then bridges without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'late-pg-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pgPort = await freePort();
    const cluster = new PostgresCluster({ dir, port: pgPort });
    cleanups.push(() => cluster.stop());
    const prefix = `late${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const translator = runService('translator', {
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: '2',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      PONTIS_MASTER_KEY: masterKey,
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    cleanups.push(() => translator.kill('SIGKILL'));

    await seeItWait(translator, port, /^postgres 127\.0\.0\.1:\d+\/postgres$/);
    assert.doesNotMatch(translator.stderrText(), /postgres:\/\/postgres@/, 'the URL is never logged whole');

    await cluster.start();
    await seeItRun(translator, port);
    const ds = await createDataSource({ url: cluster.url, poolSize: 2 });
    cleanups.push(() => ds.destroy());
    const bus = new NamespacedBus(new KafkaBus({ brokers: testEnv.kafkaBrokers, clientId: 'late-pg-test', logLevel: 'error' }), prefix);
    cleanups.push(() => bus.stop());
    await bus.start();
    await seedAccount(ds, [{ network: 'activitypub', id: 'https://mastodon.example/users/alice', kind: 'native' }]);
    await seeItBridge(bus, ds, translator);
  });

  it('still exits at once on a configuration error: a database that does not exist, a broker host that does not resolve', async () => {
    const base = { PONTIS_MASTER_KEY: masterKey, HOST: '127.0.0.1', PORT: '0', KAFKA_PARTITIONS: '2' };
    const store = await createTestStore({ migrate: false });
    cleanups.push(() => store.drop());
    const t0 = Date.now();
    const noDb = runService('translator', { ...base, KAFKA_BROKERS: testEnv.kafkaBrokers.join(','), DATABASE_URL: testEnv.databaseUrl.replace(/\/[^/]*$/, '/pontis_no_such_db') });
    const noHost = runService('translator', { ...base, KAFKA_BROKERS: 'no-such-broker.invalid:9092', DATABASE_URL: testEnv.databaseUrl, DATABASE_SCHEMA: store.schema });
    cleanups.push(() => noDb.kill('SIGKILL'), () => noHost.kill('SIGKILL'));
    const [dbCode, hostCode] = await Promise.all([exited(noDb), exited(noHost)]);
    assert.equal(dbCode, 1, noDb.stderrText());
    assert.match(noDb.stderrText(), /failed to start.*database \\"pontis_no_such_db\\" does not exist/);
    assert.equal(hostCode, 1, noHost.stderrText());
    assert.match(noHost.stderrText(), /failed to start.*ENOTFOUND/);
    assert.equal(waitingLines(noDb).length, 0, 'no wait for a database that is not there');
    assert.equal(waitingLines(noHost).length, 0, 'no wait for a host name that does not resolve');
    // kafkajs itself retries a connection ~15 s before it gives the error up.
    assert.ok(Date.now() - t0 < 90_000, `exited after ${Date.now() - t0} ms`);
  });
});
