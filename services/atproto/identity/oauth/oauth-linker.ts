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
  | { ok: true; accountId: string; did: string; handle?: string; created: boolean; unlinked?: false }
  | { ok: true; did: string; unlinked: true }
  | { ok: false; status: 400 | 404 | 409 | 502; reason: string };

/**
 * Linking a person's own Bluesky account with OAuth: `start` sends them to their PDS's
 * authorization page; `finish` takes the redirect back, and the account is then linked exactly
 * as with an app password (native identity, opted in, watched) but written with the OAuth session.
 */
export class AtprotoOAuthLinker {
  constructor(private readonly o: { ds: DataSource; keys: KeyStore; sessions: SessionPool; resolver: IdResolver; oauth: AtprotoOAuth }) {}

  /** The authorization URL on the person's PDS (a handle, DID or PDS URL names it). */
  async start(identifier: string, prefs: { longText?: LongTextMode; unlink?: boolean; intoAccount?: string } = {}): Promise<{ ok: true; url: string } | { ok: false; status: 400 | 502; reason: string }> {
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
    let prefs: { longText?: unknown; unlink?: unknown; intoAccount?: unknown } = {};
    try {
      const { session, state } = await this.o.oauth.client.callback(params);
      did = session.did;
      prefs = state ? (JSON.parse(state) as typeof prefs) : {};
    } catch (err) {
      const reason = err instanceof OAuthCallbackError ? `authorization failed: ${err.params.get('error_description') ?? err.params.get('error') ?? err.message}` : `authorization failed: ${(err as Error).message}`;
      log.info('OAuth callback refused', { reason });
      return { ok: false, status: err instanceof OAuthCallbackError ? 400 : 502, reason };
    }
    if (prefs.unlink === true) return this.unlink(did);
    const data = await this.o.resolver.did.resolveAtprotoData(did).catch(() => undefined);
    const handle = data?.handle && data.handle !== 'handle.invalid' ? data.handle : undefined;
    // The account token given at the start (checked there): the identity joins that account.
    const linked = await linkNativeIdentity(this.o.ds, did, handle, typeof prefs.intoAccount === 'string' ? prefs.intoAccount : undefined);
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

  /**
   * Opting out, proven the same way as linking (the person just authorized us on their PDS): the
   * account stops being bridged, and every credential we held for it goes, the OAuth session
   * revoked at their PDS first.
   */
  private async unlink(did: string): Promise<OAuthLinkResult> {
    await this.o.oauth.client.revoke(did).catch((err: Error) => log.warn('revoking the OAuth session failed; deleting it here anyway', { did, err: err.message }));
    await this.o.oauth.sessions.del(did);
    const rows: { id: string; account_id: string }[] = await this.o.ds.query(`SELECT id, account_id FROM identities WHERE network = 'atproto' AND native_id = $1 AND kind = 'native'`, [did]);
    for (const row of rows) {
      await this.o.ds.query(`UPDATE accounts SET consent = 'opted_out', updated_at = now() WHERE id = $1`, [row.account_id]);
      await this.o.keys.delete(row.id, SECRET.password);
      await this.o.keys.delete(row.id, SECRET.session);
      this.o.sessions.drop(row.id);
    }
    log.info('Bluesky account unlinked through OAuth', { did, wasLinked: rows.length > 0 });
    return { ok: true, did, unlinked: true };
  }
}
