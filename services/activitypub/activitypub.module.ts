import { Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../libs/bus/index.js';
import type { PontisConfig } from '../../libs/config/index.js';
import { BUS, DATA_SOURCE, HealthRegistry, SECRET_BOX } from '../../libs/platform/index.js';
import type { SecretBox } from '../../libs/store/index.js';
import { ActivityPubService } from './activitypub-service.js';

/**
 * The ActivityPub adapter as one Nest module: activitypub-express's routes and our verified
 * inboxes mounted on the app's Express instance (apex is Express middleware), and the outbound
 * runner for bridge.outbound.activitypub.v1.
 */
class ActivityPubLifecycle implements OnModuleInit, OnApplicationShutdown {
  private service?: ActivityPubService;

  constructor(
    private readonly config: PontisConfig,
    private readonly bus: Bus,
    private readonly ds: DataSource,
    private readonly box: SecretBox,
    private readonly health: HealthRegistry,
    private readonly http: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    const c = this.config;
    this.service = new ActivityPubService({
      ds: this.ds,
      box: this.box,
      bus: this.bus,
      baseUrl: c.publicUrl,
      allowPrivateAddresses: c.allowPrivateAddresses,
      signatureWindowMs: c.activitypub.signatureWindowMs,
      fetchTimeoutMs: c.activitypub.fetchTimeoutMs,
      maxFetchBytes: c.activitypub.maxFetchBytes,
      authorizedFetch: c.activitypub.authorizedFetch,
      inboxRateLimit: c.activitypub.inboxRateLimit,
      partitions: c.kafkaPartitions,
      optOutTag: c.consent.optOutTags[0],
    });
    await this.service.init();
    // Before Nest's own 404 handler, which is registered after the init hooks.
    (this.http.httpAdapter.getInstance() as Express).use(this.service.router());
    await this.service.start();
    this.health.register('adapter:activitypub', async () => ({ ok: true, detail: `serving actors at ${c.publicUrl}/ap/users/` }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.service?.stop();
  }
}

@Module({})
export class ActivityPubModule {
  static forRoot(config: PontisConfig): DynamicModule {
    return {
      module: ActivityPubModule,
      providers: [
        {
          provide: ActivityPubLifecycle,
          useFactory: (bus: Bus, ds: DataSource, box: SecretBox, health: HealthRegistry, http: HttpAdapterHost) => new ActivityPubLifecycle(config, bus, ds, box, health, http),
          inject: [BUS, DATA_SOURCE, SECRET_BOX, HealthRegistry, HttpAdapterHost],
        },
      ],
    };
  }
}
