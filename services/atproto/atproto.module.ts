import { Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { OutboundRunner } from '../../libs/adapter/index.js';
import { BackfillRunner } from '../../libs/backfill/index.js';
import type { Bus } from '../../libs/bus/index.js';
import type { PontisConfig } from '../../libs/config/index.js';
import { DEFAULT_OPT_OUT_TAG } from '../../libs/consent/index.js';
import { AddressGuard } from '../../libs/net/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { BUS, DATA_SOURCE, HealthRegistry, SECRET_BOX } from '../../libs/platform/index.js';
import { KeyStore, type SecretBox } from '../../libs/store/index.js';
import { AtprotoBackfillSource } from './backfill/index.js';
import { AtprotoAccountLinker } from './identity/account-linker.js';
import { createIdResolver } from './identity/id-resolver.js';
import { AtprotoLinkController } from './identity/link.controller.js';
import { AtprotoOAuthController } from './identity/oauth/oauth.controller.js';
import { AtprotoOAuthService } from './identity/oauth/oauth-service.js';
import { PdsAccounts } from './identity/pds-accounts.js';
import { PdsDirectory } from './identity/pds-directory.js';
import { SessionPool } from './identity/session-pool.js';
import { AtprotoWatchSignal } from './identity/watch-signal.js';
import { FirehoseIngest } from './ingest/firehose-ingest.js';
import { AtprotoDeliverer } from './publish/atproto-deliverer.js';
import { BlueskyBot } from './bot/bluesky-bot.js';

const log = createLogger('atproto');

/** What the adapter's parts share in one process. */
class AtprotoRuntime {
  readonly keys: KeyStore;
  readonly sessions: SessionPool;
  readonly directory?: PdsDirectory;
  readonly accounts?: PdsAccounts;

  constructor(
    readonly config: PontisConfig,
    ds: DataSource,
    box: SecretBox,
  ) {
    this.keys = new KeyStore(ds, box);
    this.sessions = new SessionPool(this.keys);
    const { pdsUrl, plcUrl, adminPassword, handleDomain } = config.atproto;
    if (pdsUrl) {
      this.directory = new PdsDirectory(pdsUrl, plcUrl, config.allowPrivateAddresses);
      this.accounts = new PdsAccounts({ ds, keys: this.keys, sessions: this.sessions, pdsUrl, adminPassword, handleDomain, plcUrl });
    }
  }
}

/**
 * The AT Protocol adapter as one Nest module: the outbound runner writing into bridged accounts
 * on our PDS (or a person's own linked account), verified firehose ingest of watched DIDs onto
 * bridge.events.v1, and app-password linking. With no PDS configured it stays idle (logged; not a /health failure).
 */
class AtprotoAdapterLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private runner?: OutboundRunner;
  private ingest?: FirehoseIngest;
  private backfill?: BackfillRunner;

  constructor(
    private readonly rt: AtprotoRuntime,
    private readonly bus: Bus,
    private readonly ds: DataSource,
    private readonly health: HealthRegistry,
    private readonly watch: AtprotoWatchSignal,
    private readonly oauth: AtprotoOAuthService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.rt.config;
    // OAuth-linked accounts need the OAuth client before the first write; a failure leaves app passwords working.
    await this.oauth.init().catch((err: Error) => log.error('OAuth client not ready; OAuth-linked accounts cannot be written to', { err: err.message }));
    const { pdsUrl, plcUrl, firehoseUrl } = c.atproto;
    if (!pdsUrl || !this.rt.accounts || !this.rt.directory) {
      // Not a failing health check: a deployment without Bluesky is healthy (the status API shows the adapter as not running).
      log.warn('AT Protocol adapter idle: set PONTIS_ATPROTO_PDS_URL to bridge to Bluesky');
      return;
    }
    const deliverer = new AtprotoDeliverer({
      ds: this.ds,
      accounts: this.rt.accounts,
      sessions: this.rt.sessions,
      directory: this.rt.directory,
      guard: new AddressGuard({ allowPrivate: c.allowPrivateAddresses, network: 'atproto' }),
    });
    this.runner = new OutboundRunner({ bus: this.bus, ds: this.ds, network: 'atproto', deliver: deliverer.deliver, partitions: c.kafkaPartitions });
    const service = firehoseUrl ?? pdsUrl.replace(/^http/, 'ws');
    const resolver = createIdResolver(plcUrl, c.allowPrivateAddresses, pdsUrl);
    const bot = new BlueskyBot({
      ds: this.ds,
      bus: this.bus,
      keys: this.rt.keys,
      pdsUrl,
      accounts: this.rt.accounts,
      handle: c.consent.atprotoBotHandle,
      publicUrl: c.publicUrl,
      optOutTag: c.consent.optOutTags[0] ?? DEFAULT_OPT_OUT_TAG,
      handleOf: async (did) => {
        const handle = (await resolver.did.resolveAtprotoData(did)).handle;
        return handle && handle !== 'handle.invalid' ? handle : undefined;
      },
      onConsentChange: () => this.watch.changed(),
    });
    // Without the bot the adapter still bridges (people link by app password or OAuth): logged, not fatal.
    const botReady = await bot.start().then(
      () => true,
      (err: Error) => (log.error('Bluesky bot account not available; follow-to-opt-in is off', { err: err.message }), false),
    );
    this.ingest = new FirehoseIngest({
      bus: this.bus,
      ds: this.ds,
      service,
      plcUrl,
      pdsUrl,
      allowPrivateAddresses: c.allowPrivateAddresses,
      floodLimit: c.atproto.floodLimit,
      blobUrl: (did, cid) => `${pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${encodeURIComponent(cid)}`,
      ...(botReady ? { bot: { did: bot.did, onSignal: (did: string, kind: 'follow' | 'block', seq: number) => bot.onSignal(did, kind, seq) } } : {}),
    });
    const ingest = this.ingest;
    this.health.register('adapter:atproto', async () => {
      const h = ingest.health();
      return { ok: h.ok, detail: `${h.detail}; publishing to ${pdsUrl}` };
    });
    await this.runner.start();
    await this.ingest.start();
    const source = new AtprotoBackfillSource({ plcUrl, ownPds: pdsUrl, allowPrivate: c.allowPrivateAddresses });
    this.backfill = new BackfillRunner({ ds: this.ds, bus: this.bus, source });
    this.backfill.start();
    this.watch.onChange(() => void ingest.watch.refresh().catch((err: Error) => log.warn('watch list refresh failed', { err: err.message })));
    log.info('AT Protocol adapter started', { pdsUrl, firehose: service });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ingest?.stop();
    await this.backfill?.stop();
    await this.runner?.stop();
  }
}

@Module({})
export class AtprotoModule {
  static forRoot(config: PontisConfig): DynamicModule {
    return {
      module: AtprotoModule,
      controllers: [AtprotoLinkController, AtprotoOAuthController],
      providers: [
        AtprotoWatchSignal,
        { provide: AtprotoRuntime, useFactory: (ds: DataSource, box: SecretBox) => new AtprotoRuntime(config, ds, box), inject: [DATA_SOURCE, SECRET_BOX] },
        {
          provide: AtprotoAccountLinker,
          useFactory: (rt: AtprotoRuntime, ds: DataSource) =>
            new AtprotoAccountLinker({ ds, keys: rt.keys, sessions: rt.sessions, resolver: createIdResolver(config.atproto.plcUrl, config.allowPrivateAddresses, config.atproto.pdsUrl ?? undefined) }),
          inject: [AtprotoRuntime, DATA_SOURCE],
        },
        {
          provide: AtprotoOAuthService,
          useFactory: (rt: AtprotoRuntime, ds: DataSource) =>
            new AtprotoOAuthService({
              ds,
              keys: rt.keys,
              sessions: rt.sessions,
              publicUrl: config.publicUrl,
              plcUrl: config.atproto.plcUrl,
              allowHttp: config.allowPrivateAddresses,
              resolver: createIdResolver(config.atproto.plcUrl, config.allowPrivateAddresses, config.atproto.pdsUrl ?? undefined),
            }),
          inject: [AtprotoRuntime, DATA_SOURCE],
        },
        {
          provide: AtprotoAdapterLifecycle,
          useFactory: (rt: AtprotoRuntime, bus: Bus, ds: DataSource, health: HealthRegistry, watch: AtprotoWatchSignal, oauth: AtprotoOAuthService) =>
            new AtprotoAdapterLifecycle(rt, bus, ds, health, watch, oauth),
          inject: [AtprotoRuntime, BUS, DATA_SOURCE, HealthRegistry, AtprotoWatchSignal, AtprotoOAuthService],
        },
      ],
    };
  }
}
