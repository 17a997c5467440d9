import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { createBus, NamespacedBus, type Bus, type StartupObserver } from '../bus/index.js';
import type { PontisConfig } from '../config/index.js';
import type { Database } from './database.js';
import { HealthRegistry } from './health-registry.js';
import { SecretBox } from '../store/index.js';
import { resolveMasterKey } from './master-key.js';
import { BUS, CONFIG, DATA_SOURCE, SECRET_BOX } from './tokens.js';

const DATABASE = Symbol('pontis.database');

/** Started before Nest so a bad setting or an unreachable database fails fast with a clear message. */
export interface PlatformResources {
  config: PontisConfig;
  database: Database;
  bus: Bus;
}

class PlatformLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(DATABASE) private readonly database: Database,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.stop().catch(() => undefined);
    await this.database.close();
  }
}

/** Config, database, bus and health registry for every service in this process. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(resources: PlatformResources): DynamicModule {
    return {
      module: PlatformModule,
      providers: [
        { provide: CONFIG, useValue: resources.config },
        { provide: DATABASE, useValue: resources.database },
        { provide: DATA_SOURCE, useValue: resources.database.dataSource },
        { provide: BUS, useValue: resources.bus },
        { provide: SECRET_BOX, useFactory: () => new SecretBox(resolveMasterKey(resources.config.masterKey, resources.config.dataDir)) },
        {
          provide: HealthRegistry,
          useFactory: (bus: Bus, ds: DataSource) => {
            const registry = new HealthRegistry();
            registry.register('database', async () => {
              await ds.query('SELECT 1');
              return { ok: true, detail: resources.database.embedded ? 'embedded PGlite' : 'postgres' };
            });
            registry.register('bus', () => bus.health());
            return registry;
          },
          inject: [BUS, DATA_SOURCE],
        },
        PlatformLifecycle,
      ],
      exports: [CONFIG, DATA_SOURCE, BUS, SECRET_BOX, HealthRegistry],
    };
  }
}

export function startBus(config: PontisConfig, startup?: StartupObserver): Bus {
  const bus = createBus({
    brokers: config.kafkaBrokers.length ? config.kafkaBrokers : undefined,
    clientId: config.kafkaClientId,
    partitionsConsumedConcurrently: config.kafkaConsumerConcurrency,
    startup,
  });
  return config.kafkaTopicPrefix ? new NamespacedBus(bus, config.kafkaTopicPrefix) : bus;
}
