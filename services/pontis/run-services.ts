import 'reflect-metadata';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { ConfigError, loadConfig, type PontisConfig, type ServiceName } from '../../libs/config/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { bootstrap } from '../../libs/platform/index.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { AtprotoModule } from '../atproto/atproto.module.js';
import { NostrModule } from '../nostr/nostr.module.js';
import { NostrRelayModule } from '../nostr-relay/nostr-relay.module.js';
import { SolidModule } from '../solid/solid.module.js';
import { ActivityPubModule } from '../activitypub/activitypub.module.js';
import { TranslatorModule } from '../translator/translator.module.js';

const log = createLogger('pontis');

/** Every service this build knows, by the name PONTIS_SERVICES and the start scripts use. */
export const SERVICE_MODULES: Record<ServiceName, (config: PontisConfig) => Type<unknown> | DynamicModule> = {
  gateway: () => GatewayModule,
  translator: () => TranslatorModule,
  nostr: (config) => NostrModule.forRoot(config),
  'nostr-relay': (config) => NostrRelayModule.forRoot(config),
  solid: (config) => SolidModule.forRoot(config),
  activitypub: (config) => ActivityPubModule.forRoot(config),
  atproto: (config) => AtprotoModule.forRoot(config),
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
    return await bootstrap({ config, modules: config.services.map((s) => SERVICE_MODULES[s](config)), openApi: config.services.includes('gateway') });
  } catch (err) {
    log.error('failed to start', { err: err instanceof Error ? err.message : String(err), services: config.services });
    process.exit(1);
  }
}

/** Entry point of the single-service mains. */
export async function runServices(only: ServiceName[]): Promise<INestApplication> {
  return startServices({ ...loadConfigOrExit(), services: only });
}
