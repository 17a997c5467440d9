import 'reflect-metadata';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { ConfigError, loadConfig, type PontisConfig, type ServiceName } from '../../libs/config/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { bootstrap } from '../../libs/platform/index.js';

const log = createLogger('pontis');

/**
 * Every service this build knows, by the name PONTIS_SERVICES and the start scripts use. Loaded
 * on demand: a process imports only the services it runs. Importing all seven cost every process
 * ≈250 MB resident before it did anything (the atproto, Solid and ActivityPub stacks), against
 * ≈125 MB for the gateway's or the translator's own (docs/BENCHMARKS.md, memory).
 */
export const SERVICE_MODULES: Record<ServiceName, (config: PontisConfig) => Promise<Type<unknown> | DynamicModule>> = {
  gateway: async () => (await import('../gateway/gateway.module.js')).GatewayModule,
  translator: async () => (await import('../translator/translator.module.js')).TranslatorModule,
  nostr: async (config) => (await import('../nostr/nostr.module.js')).NostrModule.forRoot(config),
  'nostr-relay': async (config) => (await import('../nostr-relay/nostr-relay.module.js')).NostrRelayModule.forRoot(config),
  solid: async (config) => (await import('../solid/solid.module.js')).SolidModule.forRoot(config),
  activitypub: async (config) => (await import('../activitypub/activitypub.module.js')).ActivityPubModule.forRoot(config),
  atproto: async (config) => (await import('../atproto/atproto.module.js')).AtprotoModule.forRoot(config),
};

/** Validated config, or exit 2 with every wrong setting named. */
export function loadConfigOrExit(): PontisConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pontis: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Starts the configured services in this process, or exits 1 with the reason. */
export async function startServices(config: PontisConfig): Promise<INestApplication> {
  try {
    const modules = await Promise.all(config.services.map((s) => SERVICE_MODULES[s](config)));
    return await bootstrap({ config, modules, openApi: config.services.includes('gateway') });
  } catch (err) {
    log.error('failed to start', { err: err instanceof Error ? err.message : String(err), services: config.services });
    process.exit(1);
  }
}

/** Entry point of the single-service mains. */
export async function runServices(only: ServiceName[]): Promise<INestApplication> {
  return startServices({ ...loadConfigOrExit(), services: only });
}
