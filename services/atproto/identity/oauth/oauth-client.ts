import type { IdResolver } from '@atproto/identity';
import { JoseKey, NodeOAuthClient, type OAuthClientMetadataInput } from '@atproto/oauth-client-node';
import type { DataSource } from 'typeorm';
import { withAdvisoryLock, type KeyStore } from '../../../../libs/store/index.js';
import { PgOAuthSessionStore, PgOAuthStateStore } from './oauth-stores.js';

/** Where we serve the OAuth client's documents and receive the redirect (under the public URL). */
export const OAUTH_PATHS = {
  metadata: '/api/v1/atproto/oauth/client-metadata.json',
  jwks: '/api/v1/atproto/oauth/jwks.json',
  authorize: '/api/v1/atproto/oauth/authorize',
  callback: '/api/v1/atproto/oauth/callback',
} as const;

/** key_material purpose of the client's own signing key (private_key_jwt at the token endpoint). */
const CLIENT_KEY_PURPOSE = 'atproto.oauth.client-key';
const CLIENT_KEY_ALG = 'ES256';

/** Whole-account write access ("transition:generic"): granular repo scopes are newer than most PDSs in the wild. */
export const OAUTH_SCOPE = 'atproto transition:generic';

export interface AtprotoOAuthOptions {
  ds: DataSource;
  keys: KeyStore;
  /** PONTIS_PUBLIC_URL: the client_id is a document under it, so it must be https on a public name. */
  publicUrl: string;
  plcUrl: string;
  /** Handle resolution (ours: DNS/HTTPS, then our PDS for its own handles). */
  resolver: IdResolver;
  /** http issuers and PDSs (the sandbox and tests: PONTIS_ALLOW_PRIVATE_ADDRESSES). */
  allowHttp: boolean;
  /** For tests that count token requests. */
  fetch?: typeof globalThis.fetch;
  /** Wait at most this long for another process's refresh of the same session. */
  lockWaitMs?: number;
}

export interface AtprotoOAuth {
  client: NodeOAuthClient;
  sessions: PgOAuthSessionStore;
}

/** Why OAuth linking is off for this public URL, or undefined when it can run. */
export function oauthUnavailableReason(publicUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    return 'PONTIS_PUBLIC_URL is not a URL';
  }
  // The authorization server fetches our client metadata from the client_id URL: https, a name (no IP), no port.
  if (url.protocol !== 'https:' || url.port || /^[\d.]+$|^\[/.test(url.hostname)) return 'OAuth linking needs PONTIS_PUBLIC_URL to be https://<public name> (no port); app-password linking works without it';
  return undefined;
}

/**
 * The bridge as an AT Protocol OAuth client (`@atproto/oauth-client-node`): a confidential web
 * client (private_key_jwt, DPoP-bound tokens) whose metadata document we serve at its client_id.
 * States and sessions live encrypted in key_material, and `requestLock` is a Postgres advisory
 * lock per session: a refresh token is good once, so two processes refreshing the same session at
 * the same time would make the PDS revoke it (solid-client-authn-js#2348 is the same race).
 */
export async function createAtprotoOAuth(o: AtprotoOAuthOptions): Promise<AtprotoOAuth> {
  const reason = oauthUnavailableReason(o.publicUrl);
  if (reason) throw new Error(reason);
  const base = o.publicUrl.replace(/\/$/, '');
  const key = await clientKey(o.ds, o.keys);
  const sessions = new PgOAuthSessionStore(o.ds, o.keys);
  const client = new NodeOAuthClient({
    clientMetadata: clientMetadata(base),
    keyset: [key],
    stateStore: new PgOAuthStateStore(o.ds, o.keys),
    sessionStore: sessions,
    requestLock: (name, fn) => withAdvisoryLock(o.ds, `pontis.atproto.oauth:${name}`, fn, { waitMs: o.lockWaitMs ?? 30_000 }),
    handleResolver: { resolve: async (handle: string) => ((await o.resolver.handle.resolve(handle).catch(() => undefined)) as `did:plc:${string}` | undefined) ?? null },
    plcDirectoryUrl: o.plcUrl,
    allowHttp: o.allowHttp,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  return { client, sessions };
}

export function clientMetadata(base: string): OAuthClientMetadataInput {
  return {
    client_id: `${base}${OAUTH_PATHS.metadata}`,
    client_name: 'Pontis bridge',
    client_uri: base,
    redirect_uris: [`${base}${OAUTH_PATHS.callback}`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: OAUTH_SCOPE,
    application_type: 'web',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: CLIENT_KEY_ALG,
    dpop_bound_access_tokens: true,
    jwks_uri: `${base}${OAUTH_PATHS.jwks}`,
  };
}

/** The client's signing key: made once per deployment (under a lock, so two booting processes agree), kept sealed. */
async function clientKey(ds: DataSource, keys: KeyStore): Promise<JoseKey> {
  const stored = await keys.get(null, CLIENT_KEY_PURPOSE);
  if (stored) return fromStored(stored);
  return withAdvisoryLock(ds, 'pontis.atproto.oauth:client-key', async () => {
    const again = await keys.get(null, CLIENT_KEY_PURPOSE);
    if (again) return fromStored(again);
    const key = await JoseKey.generate([CLIENT_KEY_ALG], `pontis-${Date.now().toString(36)}`);
    await keys.put(null, CLIENT_KEY_PURPOSE, JSON.stringify(key.privateJwk), key.kid ?? null);
    return key;
  });
}

async function fromStored(raw: Buffer): Promise<JoseKey> {
  try {
    return await JoseKey.fromJWK(JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
  } finally {
    raw.fill(0);
  }
}
