import { remoteFetch, type UrlGuard } from '../pod/index.js';
import { LinkError } from './link-error.js';

const PIM_STORAGE = 'http://www.w3.org/ns/pim/space#storage';
const OIDC_ISSUER = 'http://www.w3.org/ns/solid/terms#oidcIssuer';

/** Why a WebID profile could not be used, worded for the person (the HTTP routes answer 400 with it). */
export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

/** A WebID profile document as JSON-LD (the pod converts Turtle), fetched through the address guard's pinned connection. */
export async function fetchProfile(webId: string, o: { guard?: UrlGuard }): Promise<unknown> {
  if (!/^https?:\/\/\S+$/.test(webId)) throw new ProfileError('webId must be an http(s) URL');
  if (o.guard) {
    const v = await o.guard.check(webId);
    if (!v.ok) throw new ProfileError(`refused to fetch the WebID: ${v.reason}`);
  }
  let res: Response;
  try {
    res = await remoteFetch(o.guard)(webId, { headers: { accept: 'application/ld+json' }, signal: AbortSignal.timeout(10_000), redirect: 'error' });
  } catch (err) {
    throw new ProfileError(`the WebID profile could not be read: ${(err as Error).message}`);
  }
  if (!res.ok) throw new ProfileError(`the WebID profile answered ${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new ProfileError('the WebID profile is not JSON-LD');
  }
}

/** pim:storage of the WebID's node, in expanded or compact JSON-LD. */
export function storageIn(doc: unknown, webId: string): string | undefined {
  return valuesOf(doc, webId, [PIM_STORAGE, 'pim:storage', 'storage'])[0];
}

/**
 * solid:oidcIssuer of the WebID's node: the only issuers whose tokens may speak for this WebID
 * (Solid-OIDC §5.1: a resource server checks the token's issuer against the profile).
 */
export function oidcIssuersIn(doc: unknown, webId: string): string[] {
  return valuesOf(doc, webId, [OIDC_ISSUER, 'solid:oidcIssuer', 'oidcIssuer']);
}

/** Same issuer, whatever a trailing slash says (CSS's issuer ends in `/`, profiles vary). */
export function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function valuesOf(doc: unknown, webId: string, keys: string[]): string[] {
  const nodes = Array.isArray(doc) ? doc : doc && typeof doc === 'object' ? ((doc as Record<string, unknown>)['@graph'] as unknown[] | undefined) ?? [doc] : [];
  const out: string[] = [];
  for (const n of nodes as Record<string, unknown>[]) {
    if (!n || (n['@id'] !== webId && n.id !== webId)) continue;
    for (const key of keys) {
      const v = n[key];
      for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
        const id = typeof item === 'string' ? item : (item as { '@id'?: string } | undefined)?.['@id'];
        if (id) out.push(new URL(id, webId).href);
      }
    }
  }
  return out;
}

/** The profile for a link or login: one that cannot be read is the person's input at fault (400). */
export async function profileForLink(webId: string, o: { guard?: UrlGuard }): Promise<unknown> {
  try {
    return await fetchProfile(webId, o);
  } catch (err) {
    if (err instanceof ProfileError) throw new LinkError(400, err.message);
    throw err;
  }
}
