/**
 * Bridge provenance on incoming objects, so the translator never bridges a copy again:
 * - ids on an origin the bridge serves: our own copy coming back;
 * - FEP-fffd: a `url` Link with `rel: canonical` pointing off the object's own origin, or the older
 *   `proxyOf` form (Mostr, Bridgy Fed): "this object is a proxy of something elsewhere";
 * - actors on a known bridge's domain.
 */
import type { Trace } from '../../../libs/events/index.js';
import { asArray, isObject, type AsObject } from './as2.js';

/** Hosts of other bridges (and their subdomains), mapped to `trace.via`. */
export const KNOWN_BRIDGE_HOSTS: Record<string, string> = {
  'brid.gy': 'bridgy-fed',
  'mostr.pub': 'mostr',
  'momostr.pink': 'momostr',
};

/** FEP-fffd `proxyOf.protocol` values, by our network names. */
export const PROXY_PROTOCOLS = {
  atproto: 'https://atproto.com/',
  nostr: 'https://nostr.com/',
  solid: 'https://solidproject.org/',
  activitypub: 'https://www.w3.org/TR/activitypub/',
} as const;

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function bridgeOfHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  for (const [domain, name] of Object.entries(KNOWN_BRIDGE_HOSTS)) if (host === domain || host.endsWith(`.${domain}`)) return name;
  return undefined;
}

/** The canonical original an object says it proxies (FEP-fffd), if any. */
export function canonicalOf(o: AsObject): string | undefined {
  const own = typeof o.id === 'string' ? originOf(o.id) : undefined;
  for (const u of asArray(o.url)) {
    if (!isObject(u) || typeof u.href !== 'string') continue;
    const rel = asArray(u.rel).filter((r): r is string => typeof r === 'string');
    if (rel.includes('canonical') && originOf(u.href) !== own) return u.href;
  }
  for (const p of asArray(o.proxyOf)) if (isObject(p) && typeof p.proxied === 'string') return p.proxied;
  return undefined;
}

export function traceOf(activity: AsObject, object: AsObject | undefined, actorId: string, ownOrigins: readonly string[]): Trace {
  const trace: Trace = { origin: 'activitypub', hops: 0 };
  const ours = (id: unknown) => typeof id === 'string' && ownOrigins.includes(originOf(id) ?? '');
  let via: string | undefined;
  if (ours(actorId) || ours(activity.id) || (object && ours(object.id))) via = 'pontis';
  else via = bridgeOfHost(actorId) ?? (object && canonicalOf(object) ? (bridgeOfHost(canonicalOf(object)) ?? 'fep-fffd') : undefined) ?? (canonicalOf(activity) ? 'fep-fffd' : undefined);
  if (via) {
    trace.bridged = true;
    trace.via = via;
  }
  return trace;
}
