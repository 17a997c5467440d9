import type { IdResolver } from '@atproto/identity';
import { OAuthCallbackError } from '@atproto/oauth-client-node';
import type { DataSource } from 'typeorm';
import type { KeyStore } from '../../../../libs/store/index.js';
import { createLogger } from '../../../../libs/observability/index.js';
import { linkNativeIdentity } from '../native-identity.js';
import { isLongTextMode, setLongTextMode, type LongTextMode } from '../preferences.js';
import { SECRET, type SessionPool } from '../session-pool.js';
import { OAUTH_SCOPE, type AtprotoOAuth } from './oauth-client.js';

const log = createLogger('atproto-oauth');

export type OAuthLinkResult =
  | { ok: true; accountId: string; did: string; handle?: string; created: boolean }
  | { ok: false; status: 400 | 409 | 502; reason: string };

/**
 * Linking a person's own Bluesky account with OAuth: `start` sends them to their PDS's
 * authorization page; `finish` takes the redirect back, and the account is then linked exactly
 * as with an app password (native identity, opted in, watched) but written with the OAuth session.
 */
export class AtprotoOAuthLinker {
  constructor(private readonly o: { ds: DataSource; keys: KeyStore; sessions: SessionPool; resolver: IdResolver; oauth: AtprotoOAuth }) {}

  /** The authorization URL on the person's PDS (a handle, DID or PDS URL names it). */
  async start(identifier: string, prefs: { longText?: LongTextMode } = {}): Promise<{ ok: true; url: string } | { ok: false; status: 400 | 502; reason: string }> {
    const id = identifier.trim().replace(/^@/, '');
    try {
      // Choices made on the way in travel in the OAuth state (stored with it, returned by the callback).
      const url = await this.o.oauth.client.authorize(id.startsWith('did:') || id.startsWith('http') ? id : id.toLowerCase(), { scope: OAUTH_SCOPE, state: JSON.stringify(prefs) });
      return { ok: true, url: url.href };
    } catch (err) {
      const message = (err as Error).message;
      // Not resolvable (typo, no such handle) is the person's to fix; anything else is their PDS or ours.
      const theirs = /resolve|not found|invalid/i.test(message);
      return { ok: false, status: theirs ? 400 : 502, reason: `cannot start OAuth for ${identifier}: ${message}` };
    }
  }

  /** The redirect from the PDS (code, state, iss; or error). */
  async finish(params: URLSearchParams): Promise<OAuthLinkResult> {
    let did: string;
    let prefs: { longText?: unknown } = {};
    try {
      const { session, state } = await this.o.oauth.client.callback(params);
      did = session.did;
      prefs = state ? (JSON.parse(state) as typeof prefs) : {};
    } catch (err) {
      const reason = err instanceof OAuthCallbackError ? `authorization failed: ${err.params.get('error_description') ?? err.params.get('error') ?? err.message}` : `authorization failed: ${(err as Error).message}`;
      log.info('OAuth callback refused', { reason });
      return { ok: false, status: err instanceof OAuthCallbackError ? 400 : 502, reason };
    }
    const data = await this.o.resolver.did.resolveAtprotoData(did).catch(() => undefined);
    const handle = data?.handle && data.handle !== 'handle.invalid' ? data.handle : undefined;
    const linked = await linkNativeIdentity(this.o.ds, did, handle);
    if (!linked.ok) {
      // Our own bridged account: the session must not outlive the refusal.
      await this.o.oauth.client.revoke(did).catch(() => undefined);
      return linked;
    }
    // The way they linked last is the one we write with: an older app password goes.
    await this.o.keys.delete(linked.identityId, SECRET.password);
    await this.o.keys.delete(linked.identityId, SECRET.session);
    this.o.sessions.drop(linked.identityId);
    if (isLongTextMode(prefs.longText)) await setLongTextMode(this.o.ds, linked.accountId, prefs.longText);
    log.info('Bluesky account linked with OAuth', { did, created: linked.created });
    return { ok: true, accountId: linked.accountId, did, handle, created: linked.created };
  }
}
