/**
 * ActivityStreams 2.0 vocabulary the mapper uses, and total accessors for untrusted JSON-LD in
 * its compacted form (what every fediverse server sends): a property may be a string, an object
 * with `id`, or an array of either. One definition, imported everywhere.
 */

/** A JSON object as it came off the wire: nothing about it is trusted. */
export type AsObject = Record<string, unknown>;

export const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';
export const SECURITY_CONTEXT = 'https://w3id.org/security/v1';
export const AS_PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
/** Compacted spellings of the public collection seen in the wild (Pleroma sends `as:Public`). */
export const PUBLIC_ALIASES: ReadonlySet<string> = new Set([AS_PUBLIC, 'as:Public', 'Public']);

/** Object types bridged as posts. */
export const POST_TYPES = ['Note', 'Article', 'Page', 'Question'] as const;
/** Actor types (profile updates, account deletes). */
export const ACTOR_TYPES = ['Person', 'Service', 'Application', 'Group', 'Organization'] as const;

/**
 * The extra terms our documents use beyond the AS2 and security contexts, inlined so no context
 * is fetched to read them (Mastodon and Misskey publish the same inline definitions).
 */
export const EXTRA_CONTEXT = {
  sensitive: 'as:sensitive',
  Hashtag: 'as:Hashtag',
  quoteUrl: 'as:quoteUrl',
  toot: 'http://joinmastodon.org/ns#',
  Emoji: 'toot:Emoji',
  featured: { '@id': 'toot:featured', '@type': '@id' },
  discoverable: 'toot:discoverable',
  blurhash: 'toot:blurhash',
  schema: 'http://schema.org#',
  PropertyValue: 'schema:PropertyValue',
  value: 'schema:value',
  misskey: 'https://misskey-hub.net/ns#',
  _misskey_quote: 'misskey:_misskey_quote',
  _misskey_reaction: 'misskey:_misskey_reaction',
  fedibird: 'http://fedibird.com/ns#',
  quoteUri: 'fedibird:quoteUri',
  quote: { '@id': 'https://w3id.org/fep/044f#quote', '@type': '@id' },
  proxyOf: { '@id': 'https://w3id.org/fep/fffd#proxyOf', '@container': '@set' },
  alsoKnownAs: { '@id': 'as:alsoKnownAs', '@type': '@id' },
  movedTo: { '@id': 'as:movedTo', '@type': '@id' },
  EmojiReact: 'litepub:EmojiReact',
  litepub: 'http://litepub.social/ns#',
} as const;

export const CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, EXTRA_CONTEXT];

export function isObject(v: unknown): v is AsObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** `id` of a reference: the string itself, or an embedded object's `id`. Only http(s) URLs count. */
export function idOf(v: unknown): string | undefined {
  const raw = typeof v === 'string' ? v : isObject(v) && typeof v.id === 'string' ? v.id : undefined;
  return raw !== undefined && isHttpUrl(raw) ? raw : undefined;
}

export function isHttpUrl(s: string): boolean {
  if (s.length > 2048) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export function str(v: unknown, max = 100_000): string | undefined {
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

/** Type names of an object (`type` may be an array in JSON-LD). */
export function typesOf(v: unknown): string[] {
  return isObject(v) ? asArray(v.type).filter((t): t is string => typeof t === 'string') : [];
}

export function hasType(v: unknown, ...names: readonly string[]): boolean {
  return typesOf(v).some((t) => names.includes(t));
}

/** Every id in the addressing fields, for visibility. */
export function audience(o: AsObject): { to: string[]; cc: string[] } {
  const ids = (v: unknown) => asArray(v).map((x) => (typeof x === 'string' ? x : isObject(x) && typeof x.id === 'string' ? x.id : '')).filter(Boolean);
  return { to: ids(o.to), cc: [...ids(o.cc), ...ids(o.audience)] };
}

/** ISO timestamp or undefined (servers send RFC 3339; anything else is ignored). */
export function isoTime(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 64) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}
