import type { DataSource, EntityManager } from 'typeorm';
import { DeliveryError } from '../../../libs/adapter/index.js';
import { Lru } from '../../../libs/collections/index.js';
import { AddressRefusedError } from '../../../libs/net/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { KeyStore, type SecretBox } from '../../../libs/store/index.js';
import { DpopKey } from './dpop.js';
import type { FetchLike } from './trusted-guard.js';

const log = createLogger('solid-session');

/** Client credentials of one WebID on a Solid-OIDC issuer (CSS account API v7 `clientCredentials`). */
export interface ClientCredentials {
  issuer: string;
  webId: string;
  clientId: string;
  clientSecret: string;
}

interface Stored extends ClientCredentials {
  dpopJwk: Record<string, unknown>;
  accessToken?: string;
  /**
   * A person's Solid-OIDC login (authorization code): renewal uses this refresh token instead of
   * client credentials. The issuer rotates it on every use, so only one holder may spend it.
   */
  refreshToken?: string;
  /** When the token was issued and when it expires (ms since epoch). */
  issuedAt?: number;
  expiresAt?: number;
}

export const SESSION_PURPOSE = 'solid-session';
/** Issuer → token endpoint (every session of a process shares them; bounded: issuers come from people's logins). */
const tokenEndpoints = new Lru<string>(1_000);
/** Renew at this share of a token's lifetime, so a request never leaves with one about to expire. */
const RENEW_AT = 0.8;

/**
 * A request through a session. `transport`: how to connect for this request and for the token
 * renewal it may trigger (a person's issuer is anywhere): PodClient passes its guard's pinned fetch.
 */
export type SessionInit = RequestInit & { timeoutMs?: number; transport?: FetchLike };

export interface SessionOptions {
  ds: DataSource;
  box: SecretBox;
  /** key_material identity (null: the bridge's own WebID). */
  identityId: string | null;
  /** The default transport, for requests that name none (the bridge's own server). */
  fetch?: FetchLike;
  now?: () => number;
}

/**
 * A DPoP-bound Solid-OIDC session from client credentials, shared by every process of the
 * deployment: the credentials, the DPoP key and the current token live encrypted in key_material.
 * Renewal happens at 80 % of the token's lifetime under a Postgres advisory lock per identity,
 * and a process that waited on the lock re-reads the row first: one refresh at a time, and the
 * others use its token (client credentials have no rotating refresh token, but the issuer's
 * rate limits and the DPoP key binding still want one holder per identity; inrupt#2348).
 */
export class SolidSession {
  private cached?: { token: string; key: DpopKey; renewAt: number; expiresAt: number; webId: string };
  private renewing?: Promise<void>;
  private readonly keys: KeyStore;
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;

  constructor(private readonly o: SessionOptions) {
    this.keys = new KeyStore(o.ds, o.box);
    this.fetchImpl = o.fetch ?? ((url, init) => fetch(url, init));
    this.now = o.now ?? Date.now;
  }

  get purpose(): string {
    return SESSION_PURPOSE;
  }

  /** Stores (replaces) the credentials; a new DPoP key, no token yet. */
  static async save(ds: DataSource | EntityManager, box: SecretBox, identityId: string | null, creds: ClientCredentials): Promise<void> {
    const stored: Stored = { ...creds, dpopJwk: DpopKey.generate().toJwk() };
    await new KeyStore(ds, box).put(identityId, SESSION_PURPOSE, JSON.stringify(stored), creds.webId);
  }

  /**
   * Stores the tokens of a Solid-OIDC login (authorization code with DPoP): the registered
   * client, the DPoP key the tokens are bound to, the access token and the refresh token.
   */
  static async saveLogin(
    ds: DataSource | EntityManager,
    box: SecretBox,
    identityId: string,
    login: ClientCredentials & { dpopJwk: Record<string, unknown>; accessToken: string; refreshToken?: string; expiresIn: number; now?: number },
  ): Promise<void> {
    const issuedAt = login.now ?? Date.now();
    const stored: Stored = {
      issuer: login.issuer,
      webId: login.webId,
      clientId: login.clientId,
      clientSecret: login.clientSecret,
      dpopJwk: login.dpopJwk,
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      issuedAt,
      expiresAt: issuedAt + login.expiresIn * 1000,
    };
    await new KeyStore(ds, box).put(identityId, SESSION_PURPOSE, JSON.stringify(stored), login.webId);
  }

  static async webIdOf(ds: DataSource, box: SecretBox, identityId: string | null): Promise<string | null> {
    return new KeyStore(ds, box).getPublicKey(identityId, SESSION_PURPOSE);
  }

  async webId(): Promise<string> {
    await this.ensureToken(this.fetchImpl);
    return this.cached!.webId;
  }

  /** fetch() authenticated as this WebID: `Authorization: DPoP <token>` and a fresh proof per request. */
  async fetch(url: string, init: SessionInit = {}): Promise<Response> {
    const via = init.transport ?? this.fetchImpl;
    await this.ensureToken(via);
    const used = this.cached!.token;
    const res = await this.send(url, init, via);
    if (res.status !== 401) return res;
    // The server no longer honours the token (revoked, server restarted, clock skew): renew once
    // and try again. A 401 with a fresh token is the answer (no access), not a token problem.
    await res.body?.cancel();
    this.renewing ??= this.renew(via, used).finally(() => (this.renewing = undefined));
    await this.renewing;
    return this.send(url, init, via);
  }

  private send(url: string, { timeoutMs, transport: _, ...init }: SessionInit, via: FetchLike): Promise<Response> {
    const { token, key } = this.cached!;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    headers.set('authorization', `DPoP ${token}`);
    headers.set('dpop', key.proof(method, url, token));
    return via(url, { ...init, method, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs ?? 15_000) });
  }

  /** Forget the in-memory token (tests: a token the issuer no longer honours). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async ensureToken(via: FetchLike): Promise<void> {
    if (this.cached && this.now() < this.cached.renewAt) return;
    // One renewal per process at a time; the advisory lock makes it one per deployment.
    this.renewing ??= this.renew(via).finally(() => (this.renewing = undefined));
    await this.renewing;
  }

  /** `rejected`: a token the server refused; renewed even if not yet due, unless another process already did. */
  private async renew(via: FetchLike, rejected?: string): Promise<void> {
    const lockKey = `pontis.solid.token:${this.o.identityId ?? 'bridge'}`;
    await this.o.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [lockKey]);
      const keys = this.keys.withManager(m);
      const raw = await keys.get(this.o.identityId, SESSION_PURPOSE);
      if (!raw) throw new DeliveryError(`no Solid credentials stored for ${this.o.identityId ?? 'the bridge'}`, { kind: 'permanent', target: 'solid session', status: 'no-credentials' });
      const s = JSON.parse(raw.toString('utf8')) as Stored;
      raw.fill(0);
      const key = DpopKey.fromJwk(s.dpopJwk);
      const renewAt = (t: Stored) => (t.issuedAt ?? 0) + ((t.expiresAt ?? 0) - (t.issuedAt ?? 0)) * RENEW_AT;
      if (s.accessToken && this.now() < renewAt(s) && s.accessToken !== rejected) {
        // Another process renewed while we waited for the lock: use its token.
        this.cached = { token: s.accessToken, key, renewAt: renewAt(s), expiresAt: s.expiresAt!, webId: s.webId };
        return;
      }
      const issuedAt = this.now();
      const { token, expiresIn, refreshToken } = await this.requestToken(s, key, via);
      // A rotated refresh token is stored in the same transaction, still under the lock.
      const next: Stored = { ...s, accessToken: token, refreshToken: refreshToken ?? s.refreshToken, issuedAt, expiresAt: issuedAt + expiresIn * 1000 };
      await keys.put(this.o.identityId, SESSION_PURPOSE, JSON.stringify(next), s.webId);
      this.cached = { token, key, renewAt: renewAt(next), expiresAt: next.expiresAt!, webId: s.webId };
      log.debug('solid token renewed', { identity: this.o.identityId ?? 'bridge', expiresIn });
    });
  }

  private async requestToken(s: Stored, key: DpopKey, via: FetchLike): Promise<{ token: string; expiresIn: number; refreshToken?: string }> {
    const tokenUrl = await this.tokenEndpoint(s.issuer, via);
    const grant = s.refreshToken
      ? new URLSearchParams({ grant_type: 'refresh_token', refresh_token: s.refreshToken })
      : new URLSearchParams({ grant_type: 'client_credentials', scope: 'webid' });
    const body = await this.json(via, tokenUrl, {
      method: 'POST',
      headers: { authorization: basicAuth(s.clientId, s.clientSecret), 'content-type': 'application/x-www-form-urlencoded', dpop: key.proof('POST', tokenUrl) },
      body: grant.toString(),
    }).catch((err: unknown) => {
      tokenEndpoints.delete(s.issuer); // moved? the next renewal reads the issuer's configuration again
      throw err;
    });
    if (typeof body.access_token !== 'string') throw new DeliveryError('the Solid issuer gave no access token', { kind: 'transient', target: tokenUrl, body: JSON.stringify(body) });
    return {
      token: body.access_token,
      expiresIn: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 600,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    };
  }

  /** The issuer's token endpoint, from its configuration: read once per issuer and process. */
  private async tokenEndpoint(issuer: string, via: FetchLike): Promise<string> {
    const hit = tokenEndpoints.get(issuer);
    if (hit) return hit;
    const conf = await this.json(via, new URL('.well-known/openid-configuration', issuer).href, {});
    const url = typeof conf.token_endpoint === 'string' ? conf.token_endpoint : new URL('.oidc/token', issuer).href;
    tokenEndpoints.set(issuer, url);
    return url;
  }

  private async json(via: FetchLike, url: string, init: RequestInit): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await via(url, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      // An issuer at a private address stays there: not worth retrying.
      throw new DeliveryError(`Solid issuer unreachable: ${(err as Error).message}`, { kind: err instanceof AddressRefusedError ? 'permanent' : 'transient', target: url, status: err instanceof AddressRefusedError ? 'address-guard' : undefined, cause: err });
    }
    const text = await res.text();
    if (!res.ok) throw new DeliveryError(`Solid issuer refused (${res.status})`, { kind: res.status === 400 || res.status === 401 ? 'permanent' : 'transient', target: url, status: res.status, body: text });
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new DeliveryError('Solid issuer answered with something other than JSON', { kind: 'transient', target: url, body: text });
    }
  }
}

/** OAuth client authentication `client_secret_basic` (RFC 6749 §2.3.1: form-encoded, then base64). */
export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}
