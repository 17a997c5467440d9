import { Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Bus } from '../../libs/bus/index.js';
import type { PontisConfig } from '../../libs/config/index.js';
import { BUS, CONFIG, DATA_SOURCE, HealthRegistry } from '../../libs/platform/index.js';
import { TranslatorService } from './translator.service.js';

class TranslatorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  constructor(
    private readonly translator: TranslatorService,
    private readonly health: HealthRegistry,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    this.health.register('translator', async () => ({ ok: this.running, detail: this.running ? 'consuming bridge.events.v1' : 'not running' }));
    await this.translator.start();
    this.running = true;
  }
  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.translator.stop();
  }
}

@Module({
  providers: [
    {
      provide: TranslatorService,
      useFactory: (bus: Bus, ds: DataSource, config: PontisConfig) =>
        new TranslatorService(bus, ds, {
          partitions: config.kafkaPartitions,
          pendingTimeoutMs: config.pendingTimeoutMs,
          unseenParentWaitMs: config.unseenParentWaitMs,
          processedRetentionDays: config.processedRetentionDays,
          optOutTags: config.consent.optOutTags,
        }),
      inject: [BUS, DATA_SOURCE, CONFIG],
    },
    { provide: TranslatorLifecycle, useFactory: (t: TranslatorService, h: HealthRegistry) => new TranslatorLifecycle(t, h), inject: [TranslatorService, HealthRegistry] },
  ],
  exports: [TranslatorService],
})
export class TranslatorModule {}

/** Consumer group of the translator, for lag reporting. */
export const TRANSLATOR_GROUP = 'pontis-translator';

