import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { PontisConfig } from '../config/index.js';
import { coreTopics } from '../events/index.js';
import { createLogger, setLogLevel } from '../observability/index.js';
import { openDatabase } from './database.js';
import { jsonBodyOptions } from './json-body.js';
import { JsonErrorsFilter } from './json-errors.filter.js';
import { OpsModule } from './ops.module.js';
import { PlatformModule, startBus } from './platform.module.js';
import { startStartupHealthServer } from './startup-health-server.js';
import { StartupStatus } from './startup-status.js';

const log = createLogger('pontis');

/** Nest's own log lines go through the same structured logger. */
const nestLogger: LoggerService = {
  log: (m: unknown, ctx?: string) => log.debug(String(m), { nest: ctx }),
  error: (m: unknown, trace?: string, ctx?: string) => log.error(String(m), { nest: ctx, trace }),
  warn: (m: unknown, ctx?: string) => log.warn(String(m), { nest: ctx }),
  debug: (m: unknown, ctx?: string) => log.debug(String(m), { nest: ctx }),
  verbose: () => undefined,
};

export interface BootstrapOptions {
  config: PontisConfig;
  /** The service modules this process runs (translator, gateway, adapters...). */
  modules: Array<Type<unknown> | DynamicModule>;
  /** Serve the OpenAPI document and UI at /api/docs. */
  openApi: boolean;
}

/**
 * Starts one process: database (with migrations), bus, then the Nest app with the chosen
 * services, /health and /metrics. The same function runs one service alone or all together.
 * A database or broker that is away is waited for (a configuration error still throws); until
 * the services run, the port answers /health with 503 and what it waits for.
 */
export async function bootstrap(opts: BootstrapOptions): Promise<INestApplication> {
  const { config } = opts;
  setLogLevel(config.logLevel);
  const startup = new StartupStatus();
  // Port 0 (tests) would give this answer a port no one knows: skip it there.
  const early = config.port ? await startStartupHealthServer(startup, config.port, config.host) : undefined;
  try {
    return await bootstrapServices(opts, startup, early);
  } finally {
    await early?.close();
  }
}

async function bootstrapServices(opts: BootstrapOptions, startup: StartupStatus, early: { close(): Promise<void> } | undefined): Promise<INestApplication> {
  const { config } = opts;
  startup.step('opening the database');
  const database = await openDatabase(config, startup);
  const bus = startBus(config, startup);
  try {
    startup.step('connecting to the bus');
    await bus.start();
    // Every service creates the shared topics, so none depends on which one starts first.
    await bus.ensureTopics(coreTopics().map((topic) => ({ topic, partitions: config.kafkaPartitions })));
  } catch (err) {
    await database.close();
    throw err;
  }

  @Module({ imports: [PlatformModule.forRoot({ config, database, bus }), OpsModule, ...opts.modules] })
  class AppModule {}

  // rawBody is kept by our own verify (json-body.ts): Nest's rawBody option would replace it.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: nestLogger, bodyParser: false });
  // Bodies are small JSON documents: too large, invalid UTF-8 or too deep is refused before parsing.
  app.useBodyParser('json', jsonBodyOptions());
  app.useGlobalFilters(new JsonErrorsFilter());
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  if (opts.openApi) {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Pontis API').setDescription('Status and control of the Pontis cross-protocol bridge').setVersion('1').addBearerAuth().build(),
    );
    SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });
  }
  // Services subscribe in their init hooks (waiting for topics there); the early answer stays until they are done.
  startup.step('starting the services');
  await app.init();
  await early?.close();
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as { port: number } | null;
  log.info('listening', { host: config.host, port: address?.port ?? config.port, services: config.services, bus: bus.kind, database: database.embedded ? 'embedded' : 'postgres' });
  return app;
}
