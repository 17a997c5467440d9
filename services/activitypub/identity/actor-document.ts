/**
 * The Person document of a bridged actor (pure): everything Mastodon shows on a profile
 * (name, summary as HTML, avatar, header, profile fields as PropertyValue links), the endpoints
 * it needs (inbox, outbox, followers, following, featured, shared inbox, public key), and where
 * the person really is: `url` to their native profile plus a FEP-fffd canonical link, `proxyOf`,
 * and `alsoKnownAs`.
 */
import type { Network, Profile } from '../../../libs/events/index.js';
import { CONTEXT, PROXY_PROTOCOLS, type AsObject } from '../mapping/index.js';
import { escapeHtml } from '../mapping/html-text.js';

export interface ActorSource {
  network: Network;
  /** The original's id (DID, hex pubkey, WebID). */
  nativeId: string;
  /** Canonical URI for FEP-fffd (`at://did…`, `nostr:npub…`, the WebID). */
  canonical: string;
  /** A web page for the original profile, when the network has one. */
  profileUrl?: string;
}

export interface ActorDocumentInput {
  id: string;
  username: string;
  sharedInbox: string;
  publicKeyPem: string;
  profile: Profile;
  source?: ActorSource;
  published?: string;
}

export function summaryHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

export function actorDocument(i: ActorDocumentInput): AsObject {
  const p = i.profile;
  const image = (a: Profile['avatar']) => (a ? { type: 'Image', url: a.url, ...(a.mediaType && !a.mediaType.endsWith('/*') ? { mediaType: a.mediaType } : {}) } : undefined);
  const url: AsObject[] = [];
  if (i.source?.profileUrl) url.push({ type: 'Link', mediaType: 'text/html', href: i.source.profileUrl });
  if (i.source) url.push({ type: 'Link', rel: 'canonical', href: i.source.canonical });
  const doc: AsObject = {
    '@context': CONTEXT,
    id: i.id,
    type: 'Person',
    preferredUsername: i.username,
    name: p.displayName ?? i.username,
    summary: summaryHtml(p.summary ?? ''),
    inbox: `${i.id}/inbox`,
    outbox: `${i.id}/outbox`,
    followers: `${i.id}/followers`,
    following: `${i.id}/following`,
    featured: `${i.id}/c/featured`,
    endpoints: { sharedInbox: i.sharedInbox },
    publicKey: { id: `${i.id}#main-key`, owner: i.id, publicKeyPem: i.publicKeyPem },
    manuallyApprovesFollowers: false,
    discoverable: true,
    attachment: (p.links ?? []).map((l) => ({ type: 'PropertyValue', name: l.label, value: `<a href="${escapeHtml(l.url)}" rel="nofollow noopener noreferrer me">${escapeHtml(l.url)}</a>` })),
    ...(url.length ? { url } : {}),
    ...(i.source ? { alsoKnownAs: [i.source.canonical], proxyOf: [{ protocol: PROXY_PROTOCOLS[i.source.network], proxied: i.source.canonical, authoritative: true }] } : {}),
    ...(i.published ? { published: i.published } : {}),
  };
  const icon = image(p.avatar);
  if (icon) doc.icon = icon;
  const header = image(p.banner);
  if (header) doc.image = header;
  return doc;
}
