import { HttpException } from '@nestjs/common';
import type { IdResolver } from '@atproto/identity';
import { createLogger } from '../../../../libs/observability/index.js';
import type { SessionPool } from '../session-pool.js';
import { createAtprotoOAuth, oauthUnavailableReason, type AtprotoOAuth, type AtprotoOAuthOptions } from './oauth-client.js';
import { AtprotoOAuthLinker } from './oauth-linker.js';

const log = createLogger('atproto-oauth');

/**
 * The OAuth client and linker of one process, made once (the client key may have to be created)
 * and handed to the session pool, so accounts linked with OAuth are written with their OAuth session.
 */
export class AtprotoOAuthService {
  private made?: Promise<{ oauth: AtprotoOAuth; linker: AtprotoOAuthLinker }>;
  readonly unavailable?: string;

  constructor(private readonly o: Omit<AtprotoOAuthOptions, 'resolver'> & { resolver: IdResolver; sessions: SessionPool }) {
    this.unavailable = oauthUnavailableReason(o.publicUrl);
    if (this.unavailable) log.info('OAuth linking off', { reason: this.unavailable });
  }

  /** Makes the client now (at boot) so the session pool can restore OAuth sessions before anyone links. */
  async init(): Promise<void> {
    if (!this.unavailable) await this.ready();
  }

  /** The client and linker; a 503 with the reason when this deployment cannot do OAuth. */
  ready(): Promise<{ oauth: AtprotoOAuth; linker: AtprotoOAuthLinker }> {
    if (this.unavailable) return Promise.reject(new HttpException(this.unavailable, 503));
    this.made ??= createAtprotoOAuth(this.o).then((oauth) => {
      this.o.sessions.useOAuth({ has: (did) => oauth.sessions.has(did), restore: (did) => oauth.client.restore(did) });
      return { oauth, linker: new AtprotoOAuthLinker({ ds: this.o.ds, keys: this.o.keys, sessions: this.o.sessions, resolver: this.o.resolver, oauth }) };
    });
    this.made.catch(() => (this.made = undefined));
    return this.made;
  }
}

