/**
 * The ActivityPub adapter as its integration tests run it: our service mounted in an Express app
 * on a random loopback port (raw body kept for signatures), its own Postgres schema, the
 * in-process bus, and a Fedify server as the fediverse.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { MemoryBus } from '../../../libs/bus/index.js';
import { coreTopics } from '../../../libs/events/index.js';
import { ActivityPubPeer } from '../../../libs/harness/index.js';
import { SecretBox } from '../../../libs/store/index.js';
import { createTestStore, type TestStore } from '../../../libs/store/testing.js';
import { ActivityPubService, type ActivityPubServiceOptions } from '../activitypub-service.js';

export interface ApFixture {
  s: TestStore;
  bus: MemoryBus;
  peer: ActivityPubPeer;
  svc: ActivityPubService;
  /** The master key's box the service seals with (account tokens, keys). */
  box: SecretBox;
  server: Server;
  /** Our origin, `http://127.0.0.1:<port>`. */
  base: string;
  stop(): Promise<void>;
}

export async function startApFixture(opts: Partial<Pick<ActivityPubServiceOptions, 'authorizedFetch'>> = {}): Promise<ApFixture> {
  const peer = new ActivityPubPeer();
  const [s] = await Promise.all([createTestStore(), peer.start()]);
  const bus = new MemoryBus();
  await bus.start();
  await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: 1 })));
  const app = express();
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'], verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const box = new SecretBox(randomBytes(32));
  const svc = new ActivityPubService({ ds: s.ds, box, bus, baseUrl: base, allowPrivateAddresses: true, ...opts });
  await svc.init();
  app.use(svc.router());
  return {
    s,
    bus,
    peer,
    svc,
    box,
    server,
    base,
    async stop() {
      await svc.stop();
      await bus.stop();
      server.close();
      await peer.stop();
      await s.drop();
    },
  };
}
