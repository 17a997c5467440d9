import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** An ES256 DPoP key (RFC 9449). The private JWK is what the session store keeps (encrypted). */
export class DpopKey {
  private readonly key: KeyObject;
  readonly publicJwk: Record<string, unknown>;

  private constructor(key: KeyObject) {
    this.key = key;
    const { kty, crv, x, y } = key.export({ format: 'jwk' });
    this.publicJwk = { kty, crv, x, y };
  }

  static generate(): DpopKey {
    return new DpopKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  static fromJwk(jwk: Record<string, unknown>): DpopKey {
    return new DpopKey(createPrivateKey({ key: jwk as never, format: 'jwk' }));
  }

  toJwk(): Record<string, unknown> {
    return this.key.export({ format: 'jwk' }) as Record<string, unknown>;
  }

  /** A proof for one request; `ath` binds it to the access token it accompanies. */
  proof(method: string, url: string, accessToken?: string): string {
    const u = new URL(url);
    const header = { alg: 'ES256', typ: 'dpop+jwt', jwk: this.publicJwk };
    const payload: Record<string, unknown> = { htm: method.toUpperCase(), htu: `${u.origin}${u.pathname}`, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) };
    if (accessToken) payload.ath = b64url(createHash('sha256').update(accessToken).digest());
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' }))}`;
  }
}
