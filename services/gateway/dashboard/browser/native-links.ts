import { bech32Hex } from './bech32.js';

/**
 * Where a person's profile or a post lives on its own network, as a web link. Pure. Bluesky and
 * Nostr ids are not web addresses, so they link to the usual public web clients (bsky.app,
 * njump.me); fediverse actors and Solid WebIDs already are.
 */
export function profileUrl(network: string, nativeId: string): string | null {
  switch (network) {
    case 'activitypub':
    case 'solid':
      return /^https?:\/\//.test(nativeId) ? nativeId : null;
    case 'atproto':
      return nativeId.startsWith('did:') ? `https://bsky.app/profile/${nativeId}` : null;
    case 'nostr': {
      const npub = bech32Hex('npub', nativeId);
      return npub ? `https://njump.me/${npub}` : null;
    }
    default:
      return null;
  }
}

export function objectUrl(network: string, nativeId: string, url: string | null): string | null {
  if (url && /^https?:\/\//.test(url)) return url;
  if (network === 'atproto') {
    const m = /^at:\/\/(did:[^/]+)\/app\.bsky\.feed\.post\/([^/]+)$/.exec(nativeId);
    return m ? `https://bsky.app/profile/${m[1]}/post/${m[2]}` : null;
  }
  if (network === 'nostr') {
    const note = bech32Hex('note', nativeId);
    return note ? `https://njump.me/${note}` : null;
  }
  return /^https?:\/\//.test(nativeId) ? nativeId : null;
}
