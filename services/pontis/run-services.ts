import 'reflect-metadata';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { ConfigError, loadConfig, type PontisConfig, type ServiceName } from '../../libs/config/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { bootstrap } from '../../libs/platform/index.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { TranslatorModule } from '../translator/translator.module.js';

const log = createLogger('pontis');

/** Every service this build knows, by the name PONTIS_SERVICES and the start scripts use. */
export const SERVICE_MODULES: Record<ServiceName, Type<unknown> | DynamicModule> = {
  gateway: GatewayModule,
  translator: TranslatorModule,
};

/**
 * Entry point shared by every main: validate config, start the chosen services, and exit
 * with a clear message (code 2 for configuration, 1 otherwise) when that fails.
 */
export async function runServices(only?: ServiceName[]): Promise<{ app: INestApplication; config: PontisConfig }> {
  let config: PontisConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pontis: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (only) config = { ...config, services: only };
  try {
    const app = await bootstrap({ config, modules: config.services.map((s) => SERVICE_MODULES[s]), openApi: config.services.includes('gateway') });
    return { app, config };
  } catch (err) {
    log.error('failed to start', { err: err instanceof Error ? err.message : String(err), services: config.services });
    process.exit(1);
  }
}
