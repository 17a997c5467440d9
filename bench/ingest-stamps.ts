/**
 * Two more timestamps per source post, to split the ingest stage (stage-breakdown.ts):
 * - published: when the source adapter put the event on bridge.events.v1 (the producer's
 *   timestamp of the Kafka message, read by a consumer group of the bench's own);
 * - notified (Solid sources): when the pod server's notification about the new resource arrived,
 *   on a WebhookChannel2023 channel of the bench's own on the same outbox. Community Solid Server
 *   sends one notification per channel of a topic in the same loop (ListeningActivityHandler),
 *   so this is when the bridge's was sent too, give or take the bench's own HTTP server. The
 *   channel is asked for without credentials: the people's outboxes are public (CSS checks read
 *   access to the topic); a refusal leaves the stamps out and says why.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBus, NamespacedBus, type Bus, type Subscription } from '../libs/bus/index.js';
import { TOPICS } from '../libs/events/index.js';

export interface IngestStamps {
  /** Event id → when it was published on bridge.events.v1. */
  published: Map<string, number>;
  /** Solid resource URL → when the bench's own notification about it arrived. */
  notified: Map<string, number>;
  stop(): Promise<void>;
}

export async function stampIngest(o: { brokers: string[]; prefix: string; run: string; solidOutboxes: string[]; log: (m: string) => void }): Promise<IngestStamps> {
  const published = new Map<string, number>();
  const notified = new Map<string, number>();
  const bus: Bus = new NamespacedBus(createBus({ brokers: o.brokers, clientId: `bench-stamps-${o.run}` }), o.prefix);
  await bus.start();
  let sub: Subscription | undefined;
  let server: Server | undefined;
  try {
    sub = await bus.subscribe({
      groupId: `bench-stamps-${o.run}`,
      topics: [TOPICS.events],
      fromBeginning: true,
      handleBatch: async (messages) => {
        for (const m of messages) {
          const id = (JSON.parse(m.value.toString('utf8')) as { id?: unknown }).id;
          if (typeof id === 'string' && !published.has(id)) published.set(id, m.timestamp);
        }
      },
    });
    if (o.solidOutboxes.length) {
      server = createServer((req, res) => {
        const at = Date.now();
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          try {
            const n = JSON.parse(body) as { object?: unknown };
            const url = typeof n.object === 'string' ? n.object : (n.object as { id?: unknown } | undefined)?.id;
            if (typeof url === 'string' && !notified.has(url)) notified.set(url, at);
          } catch {
            // not a notification: nothing to stamp
          }
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const sendTo = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      for (const topic of o.solidOutboxes) {
        // Community Solid Server 7's WebhookChannel2023 subscription service (/.well-known/solid names it).
        const endpoint = new URL('/.notifications/WebhookChannel2023/', topic).href;
        const res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/ld+json' },
          body: JSON.stringify({ '@context': ['https://www.w3.org/ns/solid/notification/v1'], type: 'http://www.w3.org/ns/solid/notifications#WebhookChannel2023', topic, sendTo }),
        });
        if (!res.ok) o.log(`no notification stamps for ${topic}: the channel was refused (${res.status} ${(await res.text()).slice(0, 200)})`);
      }
    }
  } catch (err) {
    await sub?.stop();
    await bus.stop();
    server?.close();
    throw err;
  }
  return {
    published,
    notified,
    stop: async () => {
      await sub?.stop();
      await bus.stop();
      server?.closeAllConnections();
      server?.close();
    },
  };
}
