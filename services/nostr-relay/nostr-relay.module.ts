import { Controller, Get, Headers, Module, Res, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSource } from 'typeorm';
import type { PontisConfig } from '../../libs/config/index.js';
import { createLogger } from '../../libs/observability/index.js';
import { DATA_SOURCE, HealthRegistry } from '../../libs/platform/index.js';
import { BridgeRelay } from './bridge-relay.js';
import { bridgedPubkeys } from './bridged-pubkeys.js';

const log = createLogger('nostr-relay');
const RELAY = Symbol('BridgeRelay');

/**
 * The bridge's own relay as a Nest module: WebSocket upgrades and NIP-11 on `config.nostr.relay.path`
 * of the service's HTTP server (wss://<public host>/relay behind TLS termination).
 */
class RelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly relay: BridgeRelay,
    private readonly http: HttpAdapterHost,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
    this.relay.attach(this.http.httpAdapter.getHttpServer() as Server);
    this.health.register('nostr-relay', async () => ({ ok: true, detail: 'accepting connections' }));
    log.info('bridge relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

export function relayController(path: string, relay: () => BridgeRelay) {
  @ApiExcludeController()
  @Controller(path.replace(/^\//, ''))
  class NostrRelayInfoController {
    /** NIP-11: the information document for `Accept: application/nostr+json`, a pointer for browsers. */
    @Get()
    info(@Headers('accept') accept: string | undefined, @Res() res: Response): void {
      res.setHeader('Access-Control-Allow-Origin', '*');
      if (accept?.includes('application/nostr+json')) {
        res.type('application/nostr+json').send(JSON.stringify(relay().infoDocument()));
        return;
      }
      res.type('text/plain').send('This is a Nostr relay: connect a Nostr client to this address with wss://.\n');
    }
  }
  return NostrRelayInfoController;
}

@Module({})
export class NostrRelayModule {
  static forRoot(config: PontisConfig): DynamicModule {
    const { hostname, path, storage } = config.nostr.relay;
    if (storage !== ':memory:') mkdirSync(dirname(storage), { recursive: true });
    let instance: BridgeRelay | undefined;
    return {
      module: NostrRelayModule,
      controllers: [relayController(path, () => instance!)],
      providers: [
        {
          provide: RELAY,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) =>
            (instance = new BridgeRelay({
              hostname,
              path,
              storage,
              bridged: bridgedPubkeys(ds),
              info: { name: `Pontis bridge relay (${hostname})`, description: 'Accounts bridged from ActivityPub, Bluesky and Solid, and what Nostr people address to them.', software: 'pontis', version: '0.1.0' },
            })),
        },
        { provide: RelayLifecycle, inject: [RELAY, HttpAdapterHost, HealthRegistry], useFactory: (r: BridgeRelay, h: HttpAdapterHost, hr: HealthRegistry) => new RelayLifecycle(r, h, hr) },
      ],
    };
  }
}
