import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBus } from '../../libs/bus/index.js';
import { createDataSource, runMigrations, startEmbeddedPostgres } from '../../libs/store/index.js';
import { translatorSuite } from './translator.suite.js';

translatorSuite('the in-process bus and embedded PGlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pontis-translator-'));
  const pg = await startEmbeddedPostgres({ dataDir: dir, port: 0, maxConnections: 20 });
  const ds = await createDataSource({ url: pg.url, poolSize: 8 });
  await runMigrations(ds);
  const bus = new MemoryBus();
  await bus.start();
  return {
    bus,
    ds,
    close: async () => {
      await bus.stop();
      await ds.destroy();
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
