import type { INestApplication } from '@nestjs/common';
import type { PontisConfig } from '../../libs/config/index.js';
import type { Network } from '../../libs/events/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { HealthRegistry } from '../../libs/platform/index.js';

const log = createLogger('sandbox');

interface RunningPeer {
  network: Network;
  info: unknown;
  health(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface Sandbox {
  /** The config with the adapters pointed at the sandbox's servers. */
  config: PontisConfig;
  /** Adds each peer to /health once the app runs, and starts the demo people (config.sandboxDemo). */
  attach(app: INestApplication): void;
  stop(): Promise<void>;
}

/**
 * The local sandbox: real servers of the four networks (a Bluesky PDS + PLC, Community Solid
 * Server, a Nostr relay, a Fedify ActivityPub server), started before Pontis when no external
 * network is configured, so a newcomer has something to bridge between. They are dev
 * dependencies: a production install without them runs without a sandbox.
 */
export async function startSandbox(config: PontisConfig): Promise<Sandbox> {
  let harness: typeof import('../../libs/harness/peer-fleet.js');
  try {
    harness = await import('../../libs/harness/peer-fleet.js');
  } catch (err) {
    log.warn('sandbox unavailable (its peer servers are dev dependencies)', { err: (err as Error).message });
    return { config, attach: () => undefined, stop: async () => undefined };
  }
  log.info('starting the local sandbox of peer servers', { networks: config.networks });
  const running = new Map<Network, RunningPeer>();
  await harness.startPeers(config.networks, {
    onStarted: (n, peer) => {
      running.set(n, peer as unknown as RunningPeer);
      log.info('sandbox peer up', { network: n, urls: urlsOf(peer.info), startMs: peer.stats().startMs });
    },
    onFailed: (n, err) => log.error('sandbox peer failed to start', { network: n, err: (err as Error).message }),
  });
  const relay = (running.get('nostr')?.info as { url?: string } | undefined)?.url;
  const nostr = relay && !config.nostr.publishRelays.length ? { ...config.nostr, publishRelays: [relay], readRelays: [relay] } : config.nostr;
  const solidBase = (running.get('solid')?.info as { baseUrl?: string } | undefined)?.baseUrl;
  const solid = solidBase && !config.solid.serverUrl ? { ...config.solid, serverUrl: solidBase } : config.solid;
  const pds = running.get('atproto')?.info as { pdsUrl?: string; plcUrl?: string; adminPassword?: string } | undefined;
  const atproto = pds?.pdsUrl && !config.atproto.pdsUrl ? { ...config.atproto, pdsUrl: pds.pdsUrl, plcUrl: pds.plcUrl ?? config.atproto.plcUrl, adminPassword: pds.adminPassword ?? null } : config.atproto;
  // Every sandbox peer is on loopback: the ActivityPub adapter must be allowed to fetch actors there.
  const allowPrivateAddresses = config.allowPrivateAddresses || running.has('activitypub');
  let demo: { stop(): void } | undefined;
  return {
    config: { ...config, nostr, solid, atproto, allowPrivateAddresses },
    attach(app) {
      if (config.sandboxDemo) void startDemo(app, config, running).then((d) => (demo = d));
      const health = app.get(HealthRegistry);
      for (const n of config.networks)
        health.register(`sandbox:${n}`, async () => {
          const peer = running.get(n);
          if (!peer) return { ok: false, detail: 'did not start (see the log)' };
          return (await peer.health()) ? { ok: true, detail: urlsOf(peer.info) } : { ok: false, detail: 'not answering' };
        });
    },
    async stop() {
      demo?.stop();
      await Promise.all([...running.values()].map((p) => p.stop().catch(() => undefined)));
    },
  };
}

/** The demo people (services/pontis/demo), loaded only when asked for; a failure leaves the sandbox running without them. */
async function startDemo(app: INestApplication, config: PontisConfig, running: Map<Network, RunningPeer>): Promise<{ stop(): void } | undefined> {
  try {
    const { startDemoPeople } = await import('./demo/demo-people.js');
    const { port } = app.getHttpServer().address() as { port: number };
    // The peers are the harness's own classes (started by peer-fleet): the demo uses their client helpers.
    const peers = Object.fromEntries(running) as Parameters<typeof startDemoPeople>[0]['peers'];
    log.info('starting the demo people (PONTIS_SANDBOX_DEMO=0 turns them off)', { networks: [...running.keys()] });
    return startDemoPeople({ pontis: { api: `http://127.0.0.1:${port}`, publicUrl: config.publicUrl }, peers });
  } catch (err) {
    log.warn('demo people unavailable', { err: (err as Error).message });
    return undefined;
  }
}

/** Only the peer's addresses: its info also carries dev credentials, which never leave the process. */
function urlsOf(info: unknown): string {
  const urls = Object.entries((info ?? {}) as Record<string, unknown>).filter(([k, v]) => /url$/i.test(k) && typeof v === 'string');
  return urls.map(([, v]) => v).join(' ');
}
