/**
 * ActivityStreams 2 as Pontis writes it into pods: compact JSON-LD with only the AS2 context
 * (Community Solid Server bundles that context; any other remote context would be fetched),
 * and the folder layout of a person's social data. Documented in docs/SOLID.md.
 */
export const AS2_CONTEXT = 'https://www.w3.org/ns/activitystreams';
export const AS2_NS = 'https://www.w3.org/ns/activitystreams#';
export const AS2_PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
export const JSON_LD = 'application/ld+json';

/** Paths relative to a pod's storage root. */
export const LAYOUT = {
  social: 'social/',
  outbox: 'social/outbox/',
  inbox: 'social/inbox/',
  media: 'social/media/',
  /** The bridged identity's AS2 profile (name, summary, icon), beside the WebID document. */
  profile: 'social/profile',
} as const;

export type Folder = 'outbox' | 'inbox';

/**
 * FEP-e232 object links: a `Link` in `tag` whose media type is ActivityStreams points at another
 * object. AS2 has no quote property of its own; this is how a quote is written with the AS2
 * vocabulary alone (the `rel` Misskey defined says which link is the quote).
 */
export const AS2_LINK_MEDIA_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
export const QUOTE_REL = 'https://misskey-hub.net/ns#_misskey_quote';

/**
 * A post marked sensitive without a reason (a bare NIP-36 `content-warning` tag) still needs a
 * warning in a pod: AS2 has only `summary` for one (`sensitive` is Mastodon's extension, outside
 * the AS2 context pods are written with), and a Note's summary is its content warning.
 */
export const SENSITIVE_SUMMARY = 'Sensitive content';

/** Marks resources the bridge wrote (AS2 `generator`), so they are never bridged back (echo). */
export const GENERATOR_NAME = 'Pontis';

export type As2Object = Record<string, unknown> & { type?: unknown; id?: unknown };

/** `<storage>social/` from a storage root (with or without a trailing slash). */
export function socialUrlOf(storage: string): string {
  return new URL(LAYOUT.social, storage.endsWith('/') ? storage : `${storage}/`).href;
}

/** outbox/inbox/media/profile URL under a `social/` container URL. */
export function folderUrl(socialUrl: string, folder: 'outbox' | 'inbox' | 'media'): string {
  return new URL(`${folder}/`, socialUrl).href;
}

export function profileUrl(socialUrl: string): string {
  return new URL('profile', socialUrl).href;
}

/** Which folder of which social container a resource URL sits in (direct member only). */
export function folderOf(url: string, socialUrl: string): Folder | undefined {
  for (const f of ['outbox', 'inbox'] as const) {
    const base = folderUrl(socialUrl, f);
    if (url.startsWith(base) && url.length > base.length && !url.slice(base.length).includes('/')) return f;
  }
  return undefined;
}
