import { Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, SECRET_BOX } from '../../../libs/platform/tokens.js';
import type { SecretBox } from '../../../libs/store/index.js';
import { NostrKeys } from './bridged-keys.js';
import { NostrLinkController } from './link.controller.js';
import { NostrWatchSignal } from './watch-signal.js';
import { Nip05Controller } from './nip05.controller.js';
import { NOSTR_IDENTITY_OPTIONS, validateNostrIdentityOptions, type NostrIdentityOptions } from './nostr-identity.options.js';

/**
 * nostr.json and the bridged keys. DATA_SOURCE and SECRET_BOX come from the platform (global);
 * the options are passed in by the adapter, which builds them from PontisConfig.
 */
@Module({})
export class NostrIdentityModule {
  static forRoot(opts: { options: NostrIdentityOptions }): DynamicModule {
    const options = validateNostrIdentityOptions(opts.options);
    return {
      module: NostrIdentityModule,
      controllers: [Nip05Controller, NostrLinkController],
      providers: [
        { provide: NOSTR_IDENTITY_OPTIONS, useValue: options },
        NostrWatchSignal,
        {
          provide: NostrKeys,
          useFactory: (ds: DataSource, secretBox: SecretBox) => new NostrKeys(ds, secretBox, { cacheSize: options.keyCacheSize }),
          inject: [DATA_SOURCE, SECRET_BOX],
        },
      ],
      exports: [NostrKeys, NOSTR_IDENTITY_OPTIONS, NostrWatchSignal],
    };
  }
}
