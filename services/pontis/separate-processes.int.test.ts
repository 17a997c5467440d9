import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KafkaBus, NamespacedBus } from '../../libs/bus/index.js';
import { exited, runService as run } from '../../libs/harness/service-process.js';
import { freePort } from '../../libs/harness/util.js';
import { eventFixture, TOPICS } from '../../libs/events/index.js';
import { createTestStore, type TestStore } from '../../libs/store/testing.js';
import { seedAccount, testEnv, waitFor } from '../../libs/testing/index.js';

describe('each service alone in its own process, on Kafka and Postgres', { timeout: 120_000 }, () => {
  let store: TestStore;
  let bus: NamespacedBus;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  before(async () => {
    store = await createTestStore();
    const prefix = `sp${randomBytes(4).toString('hex')}`;
    env = {
      KAFKA_BROKERS: testEnv.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_PARTITIONS: '2',
      DATABASE_URL: testEnv.databaseUrl,
      DATABASE_SCHEMA: store.schema,
      PONTIS_MASTER_KEY: randomBytes(32).toString('base64'),
    };
    bus = new NamespacedBus(new KafkaBus({ brokers: testEnv.kafkaBrokers, clientId: 'separate-test', logLevel: 'error' }), prefix);
    await bus.start();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await bus?.stop();
    await store?.drop();
  });

  it('refuses a wrong setting at start with a message naming it', async () => {
    const child = run('translator', { ...env, KAFKA_BROKERS: 'not a broker', PONTIS_MASTER_KEY: 'short' });
    children.push(child);
    assert.equal(await exited(child), 2);
    assert.match(child.stderrText(), /KAFKA_BROKERS entry "not a broker" must be host:port/);
    assert.match(child.stderrText(), /PONTIS_MASTER_KEY: master key must be 32 bytes/);
  });

  it('bridges through a translator process and reports it through a gateway process', async () => {
    const port = await freePort();
    const translator = run('translator', { ...env, PORT: '0' });
    const gateway = run('gateway', { ...env, PORT: String(port) });
    children.push(translator, gateway);
    const base = `http://127.0.0.1:${port}`;
    const health = await waitFor(
      async () => {
        const res = await fetch(`${base}/health`);
        return res.status === 200 && ((await res.json()) as { components: Record<string, { ok: boolean }> });
      },
      { what: `the gateway's /health (stderr: ${gateway.stderrText()})`, timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.deepEqual(Object.keys(health.components).sort(), ['bus', 'database'], 'the gateway process runs no translator');

    await seedAccount(store.ds, [{ network: 'activitypub', id: 'https://mastodon.example/users/alice', kind: 'native' }]);
    // Migrations ran once although both processes started together (advisory lock).
    const [m]: { n: number }[] = await store.ds.query(`SELECT count(*)::int AS n FROM migrations`);
    assert.ok(m!.n >= 2);

    await bus.publish(TOPICS.events, [{ key: 'alice', value: JSON.stringify(eventFixture('post.created')) }]);
    const status = await waitFor(
      async () => {
        const s = (await (await fetch(`${base}/api/v1/status`)).json()) as { events: { bridged: number }; commandsOut: number; consumerLag: { translator: number | null } };
        return s.events.bridged === 1 && s.commandsOut === 3 && s;
      },
      { what: `the post to be bridged (translator stderr: ${translator.stderrText()})`, timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.equal(status.consumerLag.translator, 0);

    translator.kill('SIGTERM');
    await exited(translator);
    assert.doesNotMatch(translator.stderrText(), /"level":"error"/, 'a clean shutdown on SIGTERM');
  });
});
