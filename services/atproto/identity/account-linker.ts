import { timingSafeEqual } from 'node:crypto';
import type { IdResolver } from '@atproto/identity';
import type { DataSource } from 'typeorm';
import type { KeyStore } from '../../../libs/store/index.js';
import { linkNativeIdentity } from './native-identity.js';
import { setLongTextMode, type LongTextMode } from './preferences.js';
import { OAUTH_PURPOSE } from './oauth/oauth-stores.js';
import { SECRET, type SessionPool } from './session-pool.js';

export type LinkResult =
  | { ok: true; accountId: string; did: string; handle?: string; created: boolean }
  | { ok: false; status: 400 | 401 | 404 | 409 | 502; reason: string };

/**
 * A person links their own Bluesky account with an app password: we resolve who they are (handle
 * → DID → their PDS), prove it by logging in to their PDS once, and keep the app password and
 * the session encrypted (SessionPool reuses the session; no createSession per write). Linking
 * opts the account in: ingest watches the DID, and the account can choose to have its other
 * networks' posts written into it (accounts.mirror.atproto = 'native').
 */
export class AtprotoAccountLinker {
  constructor(
    private readonly o: { ds: DataSource; keys: KeyStore; sessions: SessionPool; resolver: IdResolver },
  ) {}

  async link(identifier: string, appPassword: string, prefs: { longText?: LongTextMode } = {}, intoAccount?: string): Promise<LinkResult> {
    const id = identifier.trim().replace(/^@/, '').toLowerCase();
    const did = id.startsWith('did:') ? id : await this.o.resolver.handle.resolve(id).catch(() => undefined);
    if (!did) return { ok: false, status: 400, reason: `cannot resolve ${identifier} to a DID` };
    const data = await this.o.resolver.did.resolveAtprotoData(did).catch(() => undefined);
    if (!data) return { ok: false, status: 400, reason: `cannot resolve the DID document of ${did}` };
    const pds = data.pds.replace(/\/$/, '');
    let res: Response;
    try {
      res = await fetch(`${pds}/xrpc/com.atproto.server.createSession`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier: did, password: appPassword }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      return { ok: false, status: 502, reason: `their PDS ${pds} did not answer: ${(err as Error).message}` };
    }
    const session = (await res.json().catch(() => ({}))) as { did?: string; handle?: string; accessJwt?: string; refreshJwt?: string; message?: string };
    if (!res.ok || session.did !== did || !session.accessJwt || !session.refreshJwt) return { ok: false, status: 401, reason: `their PDS refused the app password (${res.status} ${session.message ?? ''})`.trim() };
    const handle = data.handle && data.handle !== 'handle.invalid' ? data.handle : session.handle;
    const linked = await linkNativeIdentity(this.o.ds, did, handle, intoAccount);
    if (!linked.ok) return linked;
    await this.o.keys.put(linked.identityId, SECRET.password, appPassword);
    // The way they linked last is the one we write with (SessionPool prefers an OAuth session).
    await this.o.keys.delete(null, OAUTH_PURPOSE.session(did));
    await this.o.sessions.remember(linked.identityId, { did, handle: handle ?? session.handle ?? did, accessJwt: session.accessJwt, refreshJwt: session.refreshJwt, active: true });
    this.o.sessions.drop(linked.identityId);
    if (prefs.longText) await setLongTextMode(this.o.ds, linked.accountId, prefs.longText);
    return { ok: true, accountId: linked.accountId, did, handle, created: linked.created };
  }

  /** Opt out: the same app password proves it is them (compared with the stored one, not sent anywhere). */
  async unlink(did: string, appPassword: string): Promise<LinkResult> {
    const rows: { id: string; account_id: string }[] = await this.o.ds.query(`SELECT id, account_id FROM identities WHERE network = 'atproto' AND native_id = $1 AND kind = 'native'`, [did]);
    const row = rows[0];
    const stored = row && (await this.o.keys.get(row.id, SECRET.password));
    const given = Buffer.from(appPassword);
    if (!row || !stored || stored.length !== given.length || !timingSafeEqual(stored, given)) return { ok: false, status: 401, reason: 'not linked, or not the app password it was linked with' };
    await this.o.ds.query(`UPDATE accounts SET consent = 'opted_out', updated_at = now() WHERE id = $1`, [row.account_id]);
    await this.o.keys.delete(row.id, SECRET.password);
    await this.o.keys.delete(row.id, SECRET.session);
    await this.o.keys.delete(null, OAUTH_PURPOSE.session(did));
    this.o.sessions.drop(row.id);
    return { ok: true, accountId: row.account_id, did, created: false };
  }
}
