import { openToken, sealToken, type SecretBox } from '../../../libs/store/index.js';
import { JwksCache, parseJwt, readProof, str, type UrlGuard } from '../pod/index.js';
import { fetchProfile, oidcIssuersIn, sameIssuer } from './webid-profile.js';

export type AuthVerdict = { ok: true; webId: string; via: 'dpop' | 'login' } | { ok: false; status: 401; reason: string };

export const LOGIN_COOKIE = 'pontis_solid';
/** How long the cookie set at the end of a Solid-OIDC login lets that browser change the link. */
const LOGIN_COOKIE_TTL_S = 3600;
const COOKIE_AAD = 'pontis.solid.login-cookie';

/**
 * Who is asking, for the routes that change a person's link: a Solid-OIDC access token
 * (`Authorization: DPoP <token>` + `DPoP` proof, what any Solid app sends) or the cookie the
 * bridge set when that browser finished a Solid-OIDC login here.
 *
 * A token counts when it verifies with its issuer's published keys, is for Solid (`aud`), is
 * bound to the proof's key, the proof is for this method and this route at our public URL and
 * fresh, its `jti` was not seen before (in this process), and the WebID's profile names the
 * token's issuer as its solid:oidcIssuer (Solid-OIDC §5: otherwise any issuer could speak for any
 * WebID). The cookie is sealed with the master key (AES-GCM): only this bridge can make one.
 */
export class WebIdAuth {
  private readonly jwks: JwksCache;
  private readonly seenJti = new Map<string, number>();

  constructor(private readonly o: { box: SecretBox; publicUrl: string; guard?: UrlGuard; now?: () => number }) {
    this.jwks = new JwksCache({ guard: o.guard });
  }

  async authenticate(req: { method: string; path: string; authorization?: string; dpop?: string; cookie?: string }): Promise<AuthVerdict> {
    if (req.authorization) return this.byToken(req);
    const cookie = readCookie(req.cookie, LOGIN_COOKIE);
    if (cookie) return this.byCookie(cookie);
    return { ok: false, status: 401, reason: 'sign in first: send a Solid-OIDC access token for your WebID (Authorization: DPoP <token> with a DPoP proof), or log in with Solid-OIDC at GET /api/v1/solid/login?webId=<your WebID>' };
  }

  /** The Set-Cookie value after a finished login: HttpOnly, SameSite=Strict, for the Solid routes only. */
  loginCookie(webId: string): string {
    const value = sealToken(this.o.box, COOKIE_AAD, { w: webId }, LOGIN_COOKIE_TTL_S, this.nowMs());
    const secure = this.o.publicUrl.startsWith('https:') ? '; Secure' : '';
    return `${LOGIN_COOKIE}=${value}; Path=/api/v1/solid; Max-Age=${LOGIN_COOKIE_TTL_S}; HttpOnly; SameSite=Strict${secure}`;
  }

  private byCookie(value: string): AuthVerdict {
    const payload = openToken(this.o.box, COOKIE_AAD, value, this.nowMs());
    if (typeof payload?.w !== 'string') return { ok: false, status: 401, reason: 'the login cookie is not valid (any more): log in again' };
    return { ok: true, webId: payload.w, via: 'login' };
  }

  private async byToken(req: { method: string; path: string; authorization?: string; dpop?: string }): Promise<AuthVerdict> {
    const refuse = (reason: string): AuthVerdict => ({ ok: false, status: 401, reason: `the access token was refused: ${reason}` });
    const m = /^DPoP\s+(\S+)$/i.exec(req.authorization ?? '');
    if (!m) return refuse('only DPoP-bound Solid-OIDC tokens are accepted (Authorization: DPoP <token>)');
    const token = parseJwt(m[1]!);
    if (!token) return refuse('not a JWT');
    const now = Math.floor(this.nowMs() / 1000);
    const iss = str(token.payload.iss);
    const webId = str(token.payload.webid);
    if (!iss || !webId) return refuse('it names no issuer or no WebID');
    const exp = Number(token.payload.exp);
    if (!Number.isFinite(exp) || exp < now) return refuse('it has expired');
    const aud = token.payload.aud;
    if (!(Array.isArray(aud) ? aud.includes('solid') : aud === 'solid')) return refuse('it is not a Solid token (aud)');
    const proof = readProof(req.dpop, { token, tokenText: m[1]!, method: req.method, url: `${this.o.publicUrl}${req.path}`, now });
    if ('problem' in proof) return refuse(proof.problem);
    const verified = await this.jwks.verifies(token, iss);
    if (verified === undefined) return refuse(`the keys of ${iss} could not be read`);
    if (!verified) return refuse(`it does not verify with the keys of ${iss}`);
    let issuers: string[];
    try {
      issuers = oidcIssuersIn(await fetchProfile(webId, { guard: this.o.guard }), webId);
    } catch (err) {
      return refuse(`the WebID profile could not be checked: ${(err as Error).message}`);
    }
    if (!issuers.some((i) => sameIssuer(i, iss))) return refuse(`${webId} does not name ${iss} as its solid:oidcIssuer`);
    if (!this.freshJti(proof.jti, now)) return refuse('the DPoP proof was already used');
    return { ok: true, webId, via: 'dpop' };
  }

  /** Replay of a captured proof within its lifetime: refused (per process; proofs live 5 minutes). */
  private freshJti(jti: string | undefined, now: number): boolean {
    if (!jti) return false;
    for (const [k, at] of this.seenJti) if (at < now - 600) this.seenJti.delete(k);
    if (this.seenJti.has(jti)) return false;
    this.seenJti.set(jti, now);
    return true;
  }

  private nowMs(): number {
    return (this.o.now ?? Date.now)();
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
