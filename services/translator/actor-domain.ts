import type { ActorRef } from '../../libs/events/index.js';

/**
 * The domain an admin would block for this actor: the host of an ActivityPub actor or Solid
 * WebID, the handle's domain on AT Protocol, the NIP-05 domain on Nostr. Null when the actor
 * has no domain (a bare Nostr key, a did:plc without handle): domain rules cannot apply.
 */
export function actorDomain(actor: ActorRef): string | null {
  if (actor.network === 'activitypub' || actor.network === 'solid') return hostOf(actor.id);
  if (actor.network === 'atproto') {
    if (actor.id.startsWith('did:web:')) return decodeURIComponent(actor.id.slice(8).split(':')[0]!).toLowerCase();
    return actor.handle ? actor.handle.toLowerCase().replace(/^@/, '') : null;
  }
  const at = actor.handle?.lastIndexOf('@') ?? -1;
  return at >= 0 ? actor.handle!.slice(at + 1).toLowerCase() : null;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** A rule `example.com` covers `example.com` and every subdomain of it. */
export function domainMatches(domain: string, rule: string): boolean {
  const r = rule.toLowerCase().replace(/^\*?\./, '');
  return domain === r || domain.endsWith(`.${r}`);
}
