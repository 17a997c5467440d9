import { Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { OutboundRunner } from '../../libs/adapter/index.js';
import { BackfillRunner } from '../../libs/backfill/index.js';
import type { Bus } from '../../libs/bus/index.js';
import type { OutboundCommand } from '../../libs/events/index.js';
import type { PontisConfig } from '../../libs/config/index.js';
import { DEFAULT_OPT_OUT_TAG } from '../../libs/consent/index.js';
import { AddressGuard } from '../../libs/net/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { SingleOwner } from '../../libs/store/single-owner.js';
import { BUS, DATA_SOURCE, HealthRegistry } from '../../libs/platform/index.js';
import { NostrBackfillSource } from './backfill/index.js';
import { NostrKeys } from './identity/bridged-keys.js';
import { NostrIdentityModule } from './identity/nostr-identity.module.js';
import { NostrWatchSignal } from './identity/watch-signal.js';
import { NostrBot } from './bot/nostr-bot.js';
import { createVerifier, NostrIngest } from './ingest/index.js';
import { NostrReportForwarder } from './moderation/report-forward.js';
import { bridgedAuthSigner, InboxRelays, NostrDeliverer, NostrProvisioner, RelayPublisher } from './publish/index.js';

const log = createLogger('nostr');

/**
 * The Nostr adapter as one Nest module: verified ingest from relays onto bridge.events.v1, the
 * outbound runner delivering bridge.outbound.nostr.v1 through the bridge's relays, and the NIP-05
 * endpoint. With no relay configured it serves NIP-05 only and says so in /health.
 */
class NostrAdapterLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private ingest?: NostrIngest;
  private owner?: SingleOwner;
  private runner?: OutboundRunner;
  private publisher?: RelayPublisher;
  private backfill?: BackfillRunner;

  constructor(
    private readonly config: PontisConfig,
    private readonly bus: Bus,
    private readonly ds: DataSource,
    private readonly keys: NostrKeys,
    private readonly health: HealthRegistry,
    private readonly watch: NostrWatchSignal,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { publishRelays, readRelays, nip05Domain } = this.config.nostr;
    if (!publishRelays.length) {
      // Not configured is a choice (idle), not a failure: /health stays 200 for the other services.
      this.health.register('adapter:nostr', async () => ({ ok: true, detail: 'idle: no relay configured (PONTIS_NOSTR_RELAYS)' }));
      log.warn('Nostr adapter idle: set PONTIS_NOSTR_RELAYS to bridge to Nostr');
      return;
    }
    const remoteGuard = new AddressGuard({ allowPrivate: this.config.allowPrivateAddresses, network: 'nostr' });
    // Relays the operator configured may be private; anyone else's dial through the guard (pinned addresses).
    const openOther = (url: string) => (readRelays.includes(url) ? new WebSocket(url) : remoteGuard.webSocket(url));
    const publisher = (this.publisher = new RelayPublisher({ publishRelays, authSigner: bridgedAuthSigner(this.ds, this.keys), openOther }));
    const provisioner = new NostrProvisioner({ ds: this.ds, keys: this.keys, publisher, nip05Domain });
    const verifier = await createVerifier({ onFallback: (err) => log.warn('nostr-wasm unavailable; verifying with pure JS (~5x slower)', { err }) });
    const inboxes = new InboxRelays({
      query: (filter, others) => publisher.queryMany(filter, others),
      indexRelays: readRelays,
      verify: (raw) => verifier.verify(raw).ok,
      guard: remoteGuard,
    });
    const deliverer = new NostrDeliverer({ ds: this.ds, keys: this.keys, publisher, provisioner, inboxes });
    // A report made elsewhere about a Nostr person is forwarded as a kind 1984 (the translator records it).
    const reports = new NostrReportForwarder({ keys: this.keys, publisher, inboxes });
    const deliver = (c: OutboundCommand) => (c.event.type === 'report.created' ? reports.deliver(c) : deliverer.deliver(c));
    this.runner = new OutboundRunner({ bus: this.bus, ds: this.ds, network: 'nostr', deliver, partitions: this.config.kafkaPartitions });
    const bot = new NostrBot({
      ds: this.ds,
      bus: this.bus,
      keys: this.keys,
      publish: (event) => publisher.publish(event),
      nip05Domain,
      publicUrl: this.config.publicUrl,
      optOutTag: this.config.consent.optOutTags[0] ?? DEFAULT_OPT_OUT_TAG,
      onConsentChange: () => void this.ingest?.refreshWatchList().catch((err: Error) => log.warn('watch list refresh failed', { err: err.message })),
    });
    await bot.start();
    const newIngest = () =>
      new NostrIngest({
        bot,
        bus: this.bus,
        ds: this.ds,
        readRelays,
        verifier,
        allowPrivateAddresses: this.config.allowPrivateAddresses,
        perAuthorLimit: this.config.nostr.authorRateLimit,
        onRelayList: (event) => inboxes.remember(event),
        queryProfiles: (authors) => publisher.queryMany({ kinds: [0], authors, limit: authors.length * 2 }, readRelays),
      });
    await this.runner.start();
    // Backfill jobs are leased in Postgres, so every replica may run them (libs/backfill).
    const guard = new AddressGuard({ allowPrivate: this.config.allowPrivateAddresses });
    const source = new NostrBackfillSource({ query: (filter, others) => publisher.queryMany(filter, others), readRelays, verify: (raw) => verifier.verify(raw).ok, guard });
    this.backfill = new BackfillRunner({ ds: this.ds, bus: this.bus, source });
    this.backfill.start();
    // Every replica delivers (Kafka splits the outbound partitions), but relay subscriptions cannot be
    // split: with a shared PostgreSQL one replica owns ingest at a time (SingleOwner), the others
    // stand by. Embedded mode is one process (and PGlite's one session would make the lock re-entrant).
    const { databaseUrl, databaseSchema } = this.config;
    if (databaseUrl) {
      const owner = (this.owner = new SingleOwner({
        url: databaseUrl,
        schema: databaseSchema ?? undefined,
        name: 'nostr:ingest',
        run: async () => {
          const ingest = (this.ingest = newIngest());
          await ingest.start();
          return async () => {
            this.ingest = undefined;
            await ingest.stop();
          };
        },
      }));
      owner.start();
    } else {
      this.ingest = newIngest();
      await this.ingest.start();
    }
    this.health.register('adapter:nostr', async () => {
      const ownership = this.owner?.health();
      if (ownership && !this.owner!.isOwner) return { ok: ownership.ok, detail: `ingest on another replica (${ownership.detail}); publishing to ${publishRelays.join(', ')}` };
      const h = this.ingest ? await this.ingest.health() : { ok: false, detail: 'ingest starting' };
      return { ok: h.ok, detail: `${h.detail}; publishing to ${publishRelays.join(', ')}` };
    });
    this.watch.onChange(() => void this.ingest?.refreshWatchList().catch((err: Error) => log.warn('watch list refresh failed', { err: err.message })));
    log.info('Nostr adapter started', { publishRelays, readRelays, nip05Domain });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.owner) await this.owner.stop();
    else await this.ingest?.stop();
    await this.backfill?.stop();
    await this.runner?.stop();
    this.publisher?.close();
  }
}

@Module({})
export class NostrModule {
  static forRoot(config: PontisConfig): DynamicModule {
    return {
      module: NostrModule,
      imports: [NostrIdentityModule.forRoot({ options: { domain: config.nostr.nip05Domain, relays: config.nostr.publishRelays } })],
      providers: [
        {
          provide: NostrAdapterLifecycle,
          useFactory: (bus: Bus, ds: DataSource, keys: NostrKeys, health: HealthRegistry, watch: NostrWatchSignal) =>
            new NostrAdapterLifecycle(config, bus, ds, keys, health, watch),
          inject: [BUS, DATA_SOURCE, NostrKeys, HealthRegistry, NostrWatchSignal],
        },
      ],
    };
  }
}
