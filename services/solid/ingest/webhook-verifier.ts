import { createHash, createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import type { UrlGuard } from '../pod/index.js';

export type Verdict = { ok: true; sender: string } | { ok: false; reason: string };

interface Jwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

/** Proofs and tokens older than this are refused (replays, skewed clocks). */
const MAX_AGE_S = 300;
const JWKS_TTL_MS = 10 * 60_000;

/**
 * Checks that a webhook notification comes from the pod server we subscribed at. The
 * WebhookChannel2023 spec leaves this open; Community Solid Server signs a Solid-OIDC-like
 * token with its own key (`Authorization: DPoP <jwt>`: iss = the server, webid = its
 * notification WebID, cnf.jkt = the proof key's thumbprint) plus a DPoP proof for our URL. We
 * accept only that: the issuer is the pod's own server, the token verifies with the issuer's
 * published keys, the proof is bound to the token's key, our URL and POST, and both are fresh.
 */
export class WebhookVerifier {
  private readonly jwks = new Map<string, { keys: JsonWebKey[]; at: number }>();

  constructor(
    private readonly opts: { guard?: UrlGuard; now?: () => number; fetchImpl?: typeof fetch } = {},
  ) {}

  async verify(input: { authorization?: string; dpop?: string; url: string; storageUrl: string }): Promise<Verdict> {
    const now = Math.floor((this.opts.now ?? Date.now)() / 1000);
    const m = /^DPoP\s+(\S+)$/i.exec(input.authorization ?? '');
    if (!m) return { ok: false, reason: 'no DPoP authorization' };
    if (!input.dpop) return { ok: false, reason: 'no DPoP proof' };
    const token = parseJwt(m[1]!);
    const proof = parseJwt(input.dpop);
    if (!token || !proof) return { ok: false, reason: 'malformed token or proof' };

    const iss = str(token.payload.iss);
    if (!iss || !sameServer(iss, input.storageUrl)) return { ok: false, reason: `token issued by ${iss ?? 'nobody'}, not by the pod’s server` };
    const exp = Number(token.payload.exp);
    const iat = Number(token.payload.iat);
    if (!Number.isFinite(exp) || exp < now) return { ok: false, reason: 'token expired' };
    if (Number.isFinite(iat) && iat > now + 60) return { ok: false, reason: 'token from the future' };
    const sender = str(token.payload.webid);
    if (!sender || !sameServer(sender, input.storageUrl)) return { ok: false, reason: 'token names no sender WebID of the pod’s server' };

    const keys = await this.keysOf(iss);
    if (!keys) return { ok: false, reason: `no keys published by ${iss}` };
    const kid = str(token.header.kid);
    const candidates = keys.filter((k) => !kid || (k as { kid?: string }).kid === kid);
    if (!candidates.some((k) => checkSignature(token, k))) return { ok: false, reason: 'token signature does not verify with the server’s keys' };

    if (proof.header.typ !== 'dpop+jwt' || typeof proof.header.jwk !== 'object' || !proof.header.jwk) return { ok: false, reason: 'not a DPoP proof' };
    const proofKey = proof.header.jwk as JsonWebKey;
    if (!checkSignature(proof, proofKey)) return { ok: false, reason: 'proof signature does not verify' };
    const jkt = (token.payload.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (jkt !== thumbprint(proofKey)) return { ok: false, reason: 'proof key is not the one the token is bound to' };
    if (str(proof.payload.htm)?.toUpperCase() !== 'POST') return { ok: false, reason: 'proof is not for POST' };
    if (stripQuery(str(proof.payload.htu)) !== stripQuery(input.url)) return { ok: false, reason: `proof is for ${str(proof.payload.htu)}, not for this endpoint` };
    const piat = Number(proof.payload.iat);
    if (!Number.isFinite(piat) || Math.abs(now - piat) > MAX_AGE_S) return { ok: false, reason: 'proof is stale' };
    return { ok: true, sender };
  }

  private async keysOf(issuer: string): Promise<JsonWebKey[] | undefined> {
    const hit = this.jwks.get(issuer);
    if (hit && Date.now() - hit.at < JWKS_TTL_MS) return hit.keys;
    const f = this.opts.fetchImpl ?? fetch;
    try {
      const confUrl = new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
      if (this.opts.guard && !(await this.opts.guard.check(confUrl)).ok) return undefined;
      const conf = (await (await f(confUrl, { signal: AbortSignal.timeout(10_000) })).json()) as { jwks_uri?: string };
      if (!conf.jwks_uri || !sameServer(conf.jwks_uri, issuer)) return undefined;
      const set = (await (await f(conf.jwks_uri, { signal: AbortSignal.timeout(10_000) })).json()) as { keys?: JsonWebKey[] };
      const keys = Array.isArray(set.keys) ? set.keys : [];
      this.jwks.set(issuer, { keys, at: Date.now() });
      return keys;
    } catch {
      return undefined;
    }
  }
}

function parseJwt(s: string): Jwt | undefined {
  const parts = s.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>,
      signingInput: Buffer.from(`${parts[0]}.${parts[1]}`),
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

function checkSignature(jwt: Jwt, jwk: JsonWebKey): boolean {
  const alg = str(jwt.header.alg);
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    if (alg === 'ES256') return verify('sha256', jwt.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    if (alg === 'ES384') return verify('sha384', jwt.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    if (alg === 'RS256') return verify('sha256', jwt.signingInput, key, jwt.signature);
    if (alg === 'PS256') return verify('sha256', jwt.signingInput, { key, padding: 6 }, jwt.signature);
    return false;
  } catch {
    return false;
  }
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url). */
export function thumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { kty: jwk.kty };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function sameServer(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function stripQuery(u: string | undefined): string | undefined {
  if (!u) return u;
  try {
    const x = new URL(u);
    return `${x.origin}${x.pathname}`;
  } catch {
    return u;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
