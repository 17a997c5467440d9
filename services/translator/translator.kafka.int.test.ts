import { randomBytes } from 'node:crypto';
import { KafkaBus, NamespacedBus } from '../../libs/bus/index.js';
import { createTestStore } from '../../libs/store/testing.js';
import { testEnv } from '../../libs/testing/index.js';
import { translatorSuite } from './translator.suite.js';

translatorSuite('Kafka and Postgres', async () => {
  const store = await createTestStore();
  const bus = new NamespacedBus(new KafkaBus({ brokers: testEnv.kafkaBrokers, clientId: 'translator-test' }), `t${randomBytes(4).toString('hex')}`);
  await bus.start();
  return { bus, ds: store.ds, close: async () => (await bus.stop(), await store.drop()) };
});
