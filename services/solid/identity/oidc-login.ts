import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AddressRefusedError } from '../../../libs/net/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { KeyStore, type SecretBox } from '../../../libs/store/index.js';
import { basicAuth, DpopKey, JwksCache, parseJwt, PodClient, remoteFetch, SolidSession, str, TokenSession, type FetchLike, type UrlGuard } from '../pod/index.js';
import { ensureGrant } from './grant.js';
import { LinkError } from './link-error.js';
import type { LinkResult, SolidLinkService } from './link-service.js';
import { oidcIssuersIn, profileForLink, sameIssuer } from './webid-profile.js';

const log = createLogger('solid-login');

/** How long a person has between starting the login and coming back to the callback. */
const PENDING_TTL_MS = 15 * 60_000;
const PENDING_PREFIX = 'solid-login:';
/** offline_access: a refresh token, so the bridge keeps a session without asking again. */
const SCOPE = 'openid webid offline_access';

interface Pending {
  webId: string;
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  verifier: string;
  dpopJwk: Record<string, unknown>;
  redirectUri: string;
  archive?: boolean;
  /** From an account token: the WebID joins that account (mirroring). */
  intoAccount?: string;
  expiresAt: number;
}

export interface LoginOptions {
  ds: DataSource;
  box: SecretBox;
  /** Where the identity provider sends the browser back (the callback route, absolute). */
  redirectUri: string;
  link: SolidLinkService;
  /** Pod HTTP as the bridge's own WebID (to see whether the grant is already there). */
  bridge: PodClient;
  bridgeWebId: string;
  /** Every identity provider, profile and pod of a login is the person's choice: contacted only through it. */
  guard?: UrlGuard;
  now?: () => number;
}

export interface LoginFinished extends LinkResult {
  grant: 'already granted' | 'granted';
  archive?: boolean;
}

/**
 * Linking a person's own WebID by logging in once with Solid-OIDC at their identity provider
 * (authorization code + PKCE, DPoP-bound tokens, dynamic client registration):
 * `start` names the issuer from the WebID profile and answers the URL to send the browser to;
 * `finish` (the callback) exchanges the code, checks who logged in, uses the person's session to
 * grant the bridge's WebID Read/Append/Write on `social/` (acl:default), links, and keeps the
 * refresh token (SolidSession renews it before expiry, one renewal per identity across processes).
 * The pending login (PKCE verifier, client secret, DPoP key) waits encrypted in key_material, so
 * the callback may reach any process, and is spent once.
 */
export class SolidOidcLogin {
  private readonly keys: KeyStore;
  private readonly jwks: JwksCache;
  private readonly f: FetchLike;
  private readonly now: () => number;

  constructor(private readonly o: LoginOptions) {
    this.keys = new KeyStore(o.ds, o.box);
    this.jwks = new JwksCache({ guard: o.guard });
    this.f = remoteFetch(o.guard);
    this.now = o.now ?? Date.now;
  }

  async start(input: { webId: string; archive?: boolean; intoAccount?: string }): Promise<{ authorizeUrl: string; issuer: string }> {
    const { webId } = input;
    if (webId === this.o.bridgeWebId) throw new LinkError(409, 'this is the bridge’s own WebID');
    const issuer = await this.issuerOf(webId);
    const conf = await this.json(new URL('.well-known/openid-configuration', withSlash(issuer)).href, {}, 'the identity provider’s configuration');
    const authorize = str(conf.authorization_endpoint);
    const tokenEndpoint = str(conf.token_endpoint);
    const registration = str(conf.registration_endpoint);
    if (!authorize || !tokenEndpoint || !registration) throw new LinkError(502, `${issuer} does not offer authorization, token and client registration endpoints`);
    for (const u of [authorize, tokenEndpoint, registration]) await this.guarded(u);
    const client = await this.json(
      registration,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Pontis',
          application_type: 'web',
          redirect_uris: [this.o.redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: SCOPE,
        }),
      },
      'client registration',
    );
    const clientId = str(client.client_id);
    const clientSecret = str(client.client_secret);
    if (!clientId || !clientSecret) throw new LinkError(502, `${issuer} registered no client (no client_id/client_secret)`);

    const state = randomBytes(32).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const pending: Pending = {
      webId,
      issuer,
      tokenEndpoint,
      clientId,
      clientSecret,
      verifier,
      dpopJwk: DpopKey.generate().toJwk(),
      redirectUri: this.o.redirectUri,
      archive: input.archive,
      intoAccount: input.intoAccount,
      expiresAt: this.now() + PENDING_TTL_MS,
    };
    // Logins never finished are dropped here rather than by a timer.
    await this.o.ds.query(`DELETE FROM key_material WHERE identity_id IS NULL AND purpose LIKE $1 AND created_at < now() - interval '1 hour'`, [`${PENDING_PREFIX}%`]);
    await this.keys.put(null, pendingPurpose(state), JSON.stringify(pending));
    const url = new URL(authorize);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: this.o.redirectUri,
      scope: SCOPE,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      // oidc-provider issues a refresh token for offline_access only with an explicit consent.
      prompt: 'consent',
    }).toString();
    log.info('solid login started', { webId, issuer });
    return { authorizeUrl: url.href, issuer };
  }

  /** The callback: `code`, `state`, and `iss` when the provider sends it (RFC 9207), or `error`. */
  async finish(params: { code?: string; state?: string; iss?: string; error?: string; error_description?: string }): Promise<LoginFinished> {
    if (!params.state) throw new LinkError(400, 'the callback carries no state: start the login again');
    const pending = await this.spend(params.state);
    if (params.error) throw new LinkError(403, `the identity provider did not log you in: ${params.error}${params.error_description ? ` (${params.error_description})` : ''}`);
    if (!params.code) throw new LinkError(400, 'the callback carries no code');
    if (params.iss && !sameIssuer(params.iss, pending.issuer)) throw new LinkError(400, `the answer comes from ${params.iss}, not from ${pending.issuer}`);

    const key = DpopKey.fromJwk(pending.dpopJwk);
    const tokens = await this.json(
      pending.tokenEndpoint,
      {
        method: 'POST',
        headers: { authorization: basicAuth(pending.clientId, pending.clientSecret), 'content-type': 'application/x-www-form-urlencoded', dpop: key.proof('POST', pending.tokenEndpoint) },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: params.code, redirect_uri: pending.redirectUri, code_verifier: pending.verifier }).toString(),
      },
      'the code exchange',
    );
    const accessToken = str(tokens.access_token);
    if (!accessToken) throw new LinkError(502, 'the identity provider gave no access token');
    const webId = await this.loggedInAs(str(tokens.id_token), pending);

    const person = new PodClient(new TokenSession(accessToken, key, this.f), this.o.guard);
    const linkResult = await this.o.link.prepare(webId);
    const grant = await ensureGrant({ person, bridge: this.o.bridge, socialUrl: linkResult.socialUrl, webId, bridgeWebId: this.o.bridgeWebId });
    const linked = await this.o.link.link(webId, pending.intoAccount);
    const pod = await this.o.link.podOf(webId);
    await SolidSession.saveLogin(this.o.ds, this.o.box, pod.identityId, {
      issuer: pending.issuer,
      webId,
      clientId: pending.clientId,
      clientSecret: pending.clientSecret,
      dpopJwk: pending.dpopJwk,
      accessToken,
      refreshToken: str(tokens.refresh_token),
      expiresIn: typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? tokens.expires_in : 600,
      now: this.now(),
    });
    if (pending.archive !== undefined) await this.o.link.setArchive(webId, pending.archive);
    log.info('solid login finished', { webId, grant, refreshable: typeof tokens.refresh_token === 'string' });
    return { ...linked, grant, archive: pending.archive };
  }

  /** The issuer the WebID names; more than one: the first (people can list the one they use first). */
  private async issuerOf(webId: string): Promise<string> {
    const doc = await profileForLink(webId, { guard: this.o.guard });
    const issuer = oidcIssuersIn(doc, webId)[0];
    if (!issuer) throw new LinkError(400, 'the WebID profile names no solid:oidcIssuer to log in with');
    return issuer;
  }

  /** One use: the row is deleted as it is read, so a replayed callback finds nothing. */
  private async spend(state: string): Promise<Pending> {
    const raw = await this.o.ds.transaction(async (m) => {
      const keys = this.keys.withManager(m);
      const secret = await keys.get(null, pendingPurpose(state));
      if (secret) await keys.delete(null, pendingPurpose(state));
      return secret;
    });
    if (!raw) throw new LinkError(400, 'unknown or already used login: start the login again');
    const pending = JSON.parse(raw.toString('utf8')) as Pending;
    raw.fill(0);
    if (pending.expiresAt < this.now()) throw new LinkError(400, 'the login took too long: start it again');
    return pending;
  }

  /**
   * Who logged in: the ID token (from the token endpoint itself) must come from the issuer, for
   * our client, verify with the issuer's keys, and name a WebID (`webid`, else a URL `sub`) whose
   * profile lists this issuer; it must be the WebID the login was started for.
   */
  private async loggedInAs(idToken: string | undefined, p: Pending): Promise<string> {
    const jwt = idToken ? parseJwt(idToken) : undefined;
    if (!jwt) throw new LinkError(502, 'the identity provider gave no readable ID token');
    const iss = str(jwt.payload.iss);
    if (!iss || !sameIssuer(iss, p.issuer)) throw new LinkError(502, `the ID token was issued by ${iss ?? 'nobody'}, not ${p.issuer}`);
    const aud = jwt.payload.aud;
    if (!(Array.isArray(aud) ? aud.includes(p.clientId) : aud === p.clientId)) throw new LinkError(502, 'the ID token is for another client');
    if (!(await this.jwks.verifies(jwt, iss))) throw new LinkError(502, 'the ID token does not verify with the identity provider’s keys');
    const webId = str(jwt.payload.webid) ?? (/^https?:\/\//.test(str(jwt.payload.sub) ?? '') ? str(jwt.payload.sub) : undefined);
    if (!webId) throw new LinkError(502, 'the ID token names no WebID');
    if (webId !== p.webId) throw new LinkError(403, `you logged in as ${webId}, not as ${p.webId}: start the login with the WebID you use`);
    return webId;
  }

  private async guarded(url: string): Promise<void> {
    if (!this.o.guard) return;
    const v = await this.o.guard.check(url);
    if (!v.ok) throw new LinkError(400, `refused to contact ${url}: ${v.reason}`);
  }

  private async json(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
    await this.guarded(url);
    let res: Response;
    try {
      res = await this.f(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      // The person named this host (their profile did): a private address is their input at fault.
      if (err instanceof AddressRefusedError) throw new LinkError(400, `refused to contact ${url}: ${err.reason}`);
      throw new LinkError(502, `${what} failed: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new LinkError(502, `${what} was refused (${res.status}): ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new LinkError(502, `${what} answered something other than JSON`);
    }
  }
}

function pendingPurpose(state: string): string {
  // The state travels through the browser; only its hash is a key here.
  return `${PENDING_PREFIX}${createHash('sha256').update(state).digest('base64url')}`;
}

function withSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}
