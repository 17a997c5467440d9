import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { KafkaBus, NamespacedBus } from '../../libs/bus/index.js';
import { createTestStore } from '../../libs/store/testing.js';
import { testEnv } from '../../libs/testing/index.js';
import { translatorSuite } from './translator.suite.js';

translatorSuite('Kafka and Postgres', async () => {
  const store = await createTestStore();
  const bus = new NamespacedBus(new KafkaBus({ brokers: testEnv.kafkaBrokers, clientId: 'translator-test' }), `t${randomBytes(4).toString('hex')}`);
  await bus.start();
  return {
    bus,
    ds: store.ds,
    close: async () => (await bus.stop(), await store.drop()),
    // The pool's connections carry the schema as application_name (createTestStore).
    dropDatabaseConnections: async () => {
      const admin = new pg.Client({ connectionString: testEnv.databaseUrl });
      await admin.connect();
      try {
        const res = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [store.schema]);
        return res.rowCount ?? 0;
      } finally {
        await admin.end();
      }
    },
  };
});
