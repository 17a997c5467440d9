import { createHash, createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { remoteFetch, type UrlGuard } from './trusted-guard.js';

/**
 * JWTs and DPoP proofs as Solid servers send them (RFC 7519, RFC 9449), checked with node:crypto
 * alone: the webhook sender check and the WebID check on the link/archive routes share this.
 */
export interface Jwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

/** DPoP proofs older (or newer) than this are refused: replays, skewed clocks. */
export const MAX_PROOF_AGE_S = 300;
const JWKS_TTL_MS = 10 * 60_000;

export function parseJwt(s: string): Jwt | undefined {
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

export function checkSignature(jwt: Jwt, jwk: JsonWebKey): boolean {
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

/**
 * A DPoP proof (RFC 9449 §4.3) for one request, bound to the token's key (`cnf.jkt`), and the
 * token's `ath`: the proof's own signature, method, URL (without query) and age.
 */
export function checkProof(proofText: string | undefined, o: { token: Jwt; tokenText: string; method: string; url: string; now: number }): string | undefined {
  const r = readProof(proofText, o);
  return 'problem' in r ? r.problem : undefined;
}

/** checkProof, answering the proof's `jti` when it holds (for replay checks). */
export function readProof(proofText: string | undefined, o: { token: Jwt; tokenText: string; method: string; url: string; now: number }): { jti?: string } | { problem: string } {
  const bad = (problem: string) => ({ problem });
  if (!proofText) return bad('no DPoP proof');
  const proof = parseJwt(proofText);
  if (!proof) return bad('malformed DPoP proof');
  if (proof.header.typ !== 'dpop+jwt' || typeof proof.header.jwk !== 'object' || !proof.header.jwk) return bad('not a DPoP proof');
  const proofKey = proof.header.jwk as JsonWebKey;
  if (!checkSignature(proof, proofKey)) return bad('proof signature does not verify');
  const jkt = (o.token.payload.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (jkt !== thumbprint(proofKey)) return bad('proof key is not the one the token is bound to');
  if (str(proof.payload.htm)?.toUpperCase() !== o.method.toUpperCase()) return bad(`proof is not for ${o.method.toUpperCase()}`);
  if (stripQuery(str(proof.payload.htu)) !== stripQuery(o.url)) return bad(`proof is for ${str(proof.payload.htu)}, not for ${stripQuery(o.url)}`);
  const ath = str(proof.payload.ath);
  if (ath !== undefined && ath !== createHash('sha256').update(o.tokenText).digest('base64url')) return bad('proof is for another token');
  const piat = Number(proof.payload.iat);
  if (!Number.isFinite(piat) || Math.abs(o.now - piat) > MAX_PROOF_AGE_S) return bad('proof is stale');
  return { jti: str(proof.payload.jti) };
}

/**
 * An issuer's signing keys (its openid-configuration's jwks_uri on the same origin), cached for
 * minutes. Issuers come from tokens and profiles (anyone's): both requests go through the guard's
 * pinned fetch.
 */
export class JwksCache {
  private readonly jwks = new Map<string, { keys: JsonWebKey[]; at: number }>();

  constructor(private readonly o: { guard?: UrlGuard } = {}) {}

  async keysOf(issuer: string): Promise<JsonWebKey[] | undefined> {
    const hit = this.jwks.get(issuer);
    if (hit && Date.now() - hit.at < JWKS_TTL_MS) return hit.keys;
    const f = remoteFetch(this.o.guard);
    try {
      const confUrl = new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`).href;
      if (this.o.guard && !(await this.o.guard.check(confUrl)).ok) return undefined;
      const conf = (await (await f(confUrl, { signal: AbortSignal.timeout(10_000) })).json()) as { jwks_uri?: string };
      if (!conf.jwks_uri || !sameOrigin(conf.jwks_uri, issuer)) return undefined;
      const set = (await (await f(conf.jwks_uri, { signal: AbortSignal.timeout(10_000) })).json()) as { keys?: JsonWebKey[] };
      const keys = Array.isArray(set.keys) ? set.keys : [];
      this.jwks.set(issuer, { keys, at: Date.now() });
      return keys;
    } catch {
      return undefined;
    }
  }

  /** Whether the token verifies with one of the issuer's keys (by `kid` when it names one). */
  async verifies(token: Jwt, issuer: string): Promise<boolean | undefined> {
    const keys = await this.keysOf(issuer);
    if (!keys) return undefined;
    const kid = str(token.header.kid);
    return keys.filter((k) => !kid || (k as { kid?: string }).kid === kid).some((k) => checkSignature(token, k));
  }
}

export function sameOrigin(a: string, b: string): boolean {
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

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
