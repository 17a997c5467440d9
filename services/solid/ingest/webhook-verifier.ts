import { checkProof, JwksCache, parseJwt, sameOrigin, str } from '../pod/jwt.js';
import type { UrlGuard } from '../pod/index.js';

export type Verdict = { ok: true; sender: string } | { ok: false; reason: string };

/**
 * Checks that a webhook notification comes from the pod server we subscribed at. The
 * WebhookChannel2023 spec leaves this open; Community Solid Server signs a Solid-OIDC-like
 * token with its own key (`Authorization: DPoP <jwt>`: iss = the server, webid = its
 * notification WebID, cnf.jkt = the proof key's thumbprint) plus a DPoP proof for our URL. We
 * accept only that: the issuer is the pod's own server, the token verifies with the issuer's
 * published keys, the proof is bound to the token's key, our URL and POST, and both are fresh.
 */
export class WebhookVerifier {
  private readonly jwks: JwksCache;

  constructor(private readonly opts: { guard?: UrlGuard; now?: () => number } = {}) {
    this.jwks = new JwksCache(opts);
  }

  async verify(input: { authorization?: string; dpop?: string; url: string; storageUrl: string }): Promise<Verdict> {
    const now = Math.floor((this.opts.now ?? Date.now)() / 1000);
    const m = /^DPoP\s+(\S+)$/i.exec(input.authorization ?? '');
    if (!m) return { ok: false, reason: 'no DPoP authorization' };
    if (!input.dpop) return { ok: false, reason: 'no DPoP proof' };
    const token = parseJwt(m[1]!);
    if (!token || !parseJwt(input.dpop)) return { ok: false, reason: 'malformed token or proof' };

    const iss = str(token.payload.iss);
    if (!iss || !sameOrigin(iss, input.storageUrl)) return { ok: false, reason: `token issued by ${iss ?? 'nobody'}, not by the pod’s server` };
    const exp = Number(token.payload.exp);
    const iat = Number(token.payload.iat);
    if (!Number.isFinite(exp) || exp < now) return { ok: false, reason: 'token expired' };
    if (Number.isFinite(iat) && iat > now + 60) return { ok: false, reason: 'token from the future' };
    const sender = str(token.payload.webid);
    if (!sender || !sameOrigin(sender, input.storageUrl)) return { ok: false, reason: 'token names no sender WebID of the pod’s server' };

    const verified = await this.jwks.verifies(token, iss);
    if (verified === undefined) return { ok: false, reason: `no keys published by ${iss}` };
    if (!verified) return { ok: false, reason: 'token signature does not verify with the server’s keys' };
    const bad = checkProof(input.dpop, { token, tokenText: m[1]!, method: 'POST', url: input.url, now });
    if (bad) return { ok: false, reason: bad };
    return { ok: true, sender };
  }
}
