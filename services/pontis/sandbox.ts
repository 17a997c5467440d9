import type { INestApplication } from '@nestjs/common';
import { NETWORKS, type Network } from '../../libs/events/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { HealthRegistry } from '../../libs/platform/index.js';

const log = createLogger('sandbox');

interface RunningPeer {
  network: Network;
  info: unknown;
  health(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The local sandbox: real servers of the four networks (a Bluesky PDS + PLC, Community Solid
 * Server, a Nostr relay, a Fedify ActivityPub server), started beside Pontis when no external
 * network is configured, so a newcomer has something to bridge between. They are dev
 * dependencies: a production install without them simply runs without a sandbox.
 */
export async function startSandbox(app: INestApplication, networks: readonly Network[] = NETWORKS): Promise<() => Promise<void>> {
  const health = app.get(HealthRegistry);
  const running = new Map<Network, RunningPeer>();
  let stopping = false;
  for (const n of networks) health.register(`sandbox:${n}`, async () => {
    const peer = running.get(n);
    if (!peer) return { ok: false, detail: 'starting' };
    return (await peer.health()) ? { ok: true, detail: urlsOf(peer.info) } : { ok: false, detail: 'not answering' };
  });
  let harness: typeof import('../../libs/harness/peer-fleet.js');
  try {
    harness = await import('../../libs/harness/peer-fleet.js');
  } catch (err) {
    log.warn('sandbox unavailable (peer servers are dev dependencies)', { err: (err as Error).message });
    for (const n of networks) health.register(`sandbox:${n}`, async () => ({ ok: true, detail: 'sandbox not installed' }));
    return async () => undefined;
  }
  log.info('starting the local sandbox of peer servers', { networks });
  void harness.startPeers(networks, {
    cancelled: () => stopping,
    onStarted: (n, peer) => {
      running.set(n, peer as unknown as RunningPeer);
      log.info('sandbox peer up', { network: n, urls: urlsOf(peer.info), startMs: peer.stats().startMs });
    },
    onFailed: (n, err) => log.error('sandbox peer failed to start', { network: n, err: (err as Error).message }),
  });
  return async () => {
    stopping = true;
    await Promise.all([...running.values()].map((p) => p.stop().catch(() => undefined)));
  };
}

/** Only the peer's addresses: its info also carries dev credentials, which never leave the process. */
function urlsOf(info: unknown): string {
  const urls = Object.entries((info ?? {}) as Record<string, unknown>).filter(([k, v]) => /url$/i.test(k) && typeof v === 'string');
  return urls.map(([, v]) => v).join(' ');
}
