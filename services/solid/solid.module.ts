import { Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { OutboundRunner } from '../../libs/adapter/index.js';
import { BackfillRunner } from '../../libs/backfill/index.js';
import type { Bus } from '../../libs/bus/index.js';
import type { PontisConfig } from '../../libs/config/index.js';
import { AddressGuard } from '../../libs/net/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { BUS, DATA_SOURCE, HealthRegistry, SECRET_BOX } from '../../libs/platform/index.js';
import type { SecretBox } from '../../libs/store/index.js';
import { ActivityPubHistory, ArchiveBackfill, AtprotoHistory, NostrHistory } from './archive/index.js';
import { SolidBackfillSource } from './backfill/index.js';
import { bridgeSession, SolidLinkService, SolidOidcLogin, SolidProvisioner, WebIdAuth } from './identity/index.js';
import { SolidIngest, WebhookVerifier } from './ingest/index.js';
import { PodClient, PodRepository, trustingOwnServer } from './pod/index.js';
import { SolidDeliverer } from './publish/index.js';
import { SolidController } from './solid.controller.js';
import { announceBridgeInbox } from './bot/bridge-inbox.js';
import { BRIDGE_INBOX_PATH, SolidInboxController } from './bot/solid-inbox.controller.js';
import { LOGIN_CALLBACK_PATH, SolidRuntime } from './solid-runtime.js';

const log = createLogger('solid');
const RETRY_START_MS = 15_000;

/**
 * The Solid adapter as one Nest module: the bridge's own WebID on the Solid server it operates,
 * the outbound runner writing bridge.outbound.solid.v1 into pods, ingest of linked pods (webhooks
 * + reconciliation), and the link/archive/status/webhook routes. With no Solid server configured
 * it stays idle and says so in /health.
 */
class SolidAdapterLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private runner?: OutboundRunner;
  private ingest?: SolidIngest;
  private backfill?: BackfillRunner;
  private retry?: NodeJS.Timeout;
  private resume?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: PontisConfig,
    private readonly bus: Bus,
    private readonly ds: DataSource,
    private readonly box: SecretBox,
    private readonly health: HealthRegistry,
    private readonly rt: SolidRuntime,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Not configured is a choice (idle), not a failure: /health stays 200 for the other services.
    this.health.register('adapter:solid', async () =>
      this.rt.ingest
        ? { ok: true, detail: `bridge WebID ${this.rt.bridgeWebId}; ${this.rt.ingest.health().detail}` }
        : { ok: !this.config.solid.serverUrl, detail: this.config.solid.serverUrl ? this.rt.problem : 'idle: no Solid server configured (PONTIS_SOLID_URL)' },
    );
    if (!this.config.solid.serverUrl) {
      this.rt.problem = 'no Solid server configured (PONTIS_SOLID_URL)';
      log.warn('Solid adapter idle: set PONTIS_SOLID_URL to bridge to Solid');
      return;
    }
    await this.tryStart();
  }

  /** The Solid server may come up after us: keep trying, reporting why in /health meanwhile. */
  private async tryStart(): Promise<void> {
    try {
      await this.start(this.config.solid.serverUrl!);
    } catch (err) {
      this.rt.problem = `cannot reach the bridge's Solid server: ${(err as Error).message}`;
      log.warn('Solid adapter not started; will retry', { err: (err as Error).message });
      if (!this.stopped) this.retry = setTimeout(() => void this.tryStart(), RETRY_START_MS);
    }
  }

  private async start(serverUrl: string): Promise<void> {
    const { solid, allowPrivateAddresses, publicUrl } = this.config;
    const emailDomain = new URL(publicUrl).hostname || 'pontis.invalid';
    const session = await bridgeSession({ ds: this.ds, box: this.box, serverUrl, emailDomain, preset: solid.bridge ? { issuer: serverUrl, ...solid.bridge } : undefined });
    const bridgeWebId = await session.webId();
    const guard = trustingOwnServer(new AddressGuard({ allowPrivate: allowPrivateAddresses, network: 'solid' }), serverUrl);
    const client = new PodClient(session, guard);
    const provisioner = new SolidProvisioner({ ds: this.ds, box: this.box, serverUrl, emailDomain, bridgeWebId: async () => bridgeWebId });
    const deliverer = new SolidDeliverer({ ds: this.ds, client, bridgeWebId, provisioner, bridgeUrl: publicUrl, guard, box: this.box });
    const ingest = new SolidIngest({ ds: this.ds, bus: this.bus, client, verifier: new WebhookVerifier({ guard }), publicUrl, reconcileIntervalMs: solid.reconcileIntervalMs });
    this.runner = new OutboundRunner({ bus: this.bus, ds: this.ds, network: 'solid', deliver: deliverer.deliver, partitions: this.config.kafkaPartitions });
    await this.runner.start();
    await ingest.start();
    this.ingest = ingest;
    const sources = [
      new NostrHistory({ relays: this.config.nostr.readRelays }),
      new ActivityPubHistory({ guard }),
      new AtprotoHistory({ plcUrl: this.config.atproto.plcUrl, ownPds: this.config.atproto.pdsUrl ?? undefined, allowPrivate: allowPrivateAddresses, guard }),
    ];
    // Posts out of a linked pod on request (libs/backfill), the other direction from the archive.
    this.backfill = new BackfillRunner({ ds: this.ds, bus: this.bus, source: new SolidBackfillSource({ client, repo: new PodRepository(this.ds) }) });
    this.backfill.start();
    const backfill = new ArchiveBackfill({ ds: this.ds, deliver: deliverer.deliver, sources });
    const link = new SolidLinkService({ ds: this.ds, client, bridgeWebId, ingest, guard, backfill });
    const login = new SolidOidcLogin({ ds: this.ds, box: this.box, redirectUri: `${publicUrl}/${LOGIN_CALLBACK_PATH}`, link, bridge: client, bridgeWebId, guard });
    const auth = new WebIdAuth({ box: this.box, publicUrl, guard });
    Object.assign(this.rt, { bridgeWebId, ingest, repo: new PodRepository(this.ds), link, login, auth, problem: '' });
    await announceBridgeInbox(client, bridgeWebId, `${publicUrl}${BRIDGE_INBOX_PATH}`).catch((err: Error) => log.warn("the bridge WebID's inbox is not in its profile", { err: err.message }));
    // A backfill whose process died is picked up again (by one process: the run claims the pod).
    const resume = () => void backfill.resumeStale().catch((err: unknown) => log.warn('archive backfill resume failed', { err: String(err) }));
    resume();
    this.resume = setInterval(resume, 60_000);
    this.resume.unref();
    log.info('Solid adapter started', { serverUrl, bridgeWebId });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.resume) clearInterval(this.resume);
    await this.ingest?.stop();
    await this.backfill?.stop();
    await this.runner?.stop();
  }
}

@Module({})
export class SolidModule {
  static forRoot(config: PontisConfig): DynamicModule {
    return {
      module: SolidModule,
      controllers: [SolidController, SolidInboxController],
      providers: [
        SolidRuntime,
        {
          provide: SolidAdapterLifecycle,
          useFactory: (bus: Bus, ds: DataSource, box: SecretBox, health: HealthRegistry, rt: SolidRuntime) => new SolidAdapterLifecycle(config, bus, ds, box, health, rt),
          inject: [BUS, DATA_SOURCE, SECRET_BOX, HealthRegistry, SolidRuntime],
        },
      ],
    };
  }
}
