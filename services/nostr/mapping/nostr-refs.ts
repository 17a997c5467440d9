/**
 * Nostr identifiers: hex ids, `<kind>:<pubkey>:<d>` coordinates (NIP-01 addressable events),
 * and NIP-19 bech32 forms used in NIP-27 content references. Decoding never throws.
 */
import { decode, naddrEncode, neventEncode, npubEncode } from 'nostr-tools/nip19';
import { KIND } from './nostr-protocol.js';

const HEX64 = /^[0-9a-f]{64}$/;

/** Event ids and pubkeys are 32 bytes as 64 lowercase hex characters (NIP-01). */
export function isHex64(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

export interface Coordinate {
  kind: number;
  pubkey: string;
  identifier: string;
}

/** NIP-01 addressable events are named `<kind>:<pubkey>:<d tag>` (the `a` tag value). */
export function formatCoordinate(c: Coordinate): string {
  return `${c.kind}:${c.pubkey}:${c.identifier}`;
}

export function parseCoordinate(value: unknown): Coordinate | undefined {
  if (typeof value !== 'string' || value.length > 1024) return undefined;
  const first = value.indexOf(':');
  const second = value.indexOf(':', first + 1);
  if (first < 1 || second < 0) return undefined;
  const kind = Number(value.slice(0, first));
  const pubkey = value.slice(first + 1, second);
  if (!Number.isInteger(kind) || kind < 0 || kind > 65535 || !isHex64(pubkey)) return undefined;
  return { kind, pubkey, identifier: value.slice(second + 1) };
}

/** An id of an object on Nostr as Pontis stores it: a hex event id, or a coordinate for an article. */
export function isNostrObjectId(value: unknown): boolean {
  return isHex64(value) || parseCoordinate(value) !== undefined;
}

export type ContentRef =
  | { type: 'profile'; pubkey: string }
  | { type: 'event'; id: string; author?: string; kind?: number; relay?: string }
  | { type: 'address'; coordinate: Coordinate; relay?: string };

/** Decodes the bech32 part of a `nostr:` URI (NIP-21); nsec and anything malformed give undefined. */
export function decodeContentRef(bech32: string): ContentRef | undefined {
  try {
    const d = decode(bech32);
    switch (d.type) {
      case 'npub':
        return isHex64(d.data) ? { type: 'profile', pubkey: d.data } : undefined;
      case 'nprofile':
        return isHex64(d.data.pubkey) ? { type: 'profile', pubkey: d.data.pubkey } : undefined;
      case 'note':
        return isHex64(d.data) ? { type: 'event', id: d.data } : undefined;
      case 'nevent':
        return isHex64(d.data.id)
          ? { type: 'event', id: d.data.id, author: d.data.author, kind: d.data.kind, relay: d.data.relays?.[0] }
          : undefined;
      case 'naddr':
        return isHex64(d.data.pubkey)
          ? { type: 'address', coordinate: { kind: d.data.kind, pubkey: d.data.pubkey, identifier: d.data.identifier }, relay: d.data.relays?.[0] }
          : undefined;
      default:
        return undefined; // nsec: NIP-21 forbids it in URIs; never echo a secret key anywhere.
    }
  } catch {
    return undefined;
  }
}

export function npubOf(pubkey: string): string {
  return npubEncode(pubkey);
}

/**
 * NIP-19 reference to an object for content (`nostr:` + this): `nevent` for an event id (carrying
 * the relay hint and author so clients can fetch it), `naddr` for an article coordinate.
 */
export function bech32ForObject(id: string, hints: { relay?: string; author?: string; kind?: number } = {}): string | undefined {
  const relays = hints.relay ? [hints.relay] : [];
  if (isHex64(id)) return neventEncode({ id, relays, author: hints.author, kind: hints.kind });
  const c = parseCoordinate(id);
  if (c) return naddrEncode({ kind: c.kind, pubkey: c.pubkey, identifier: c.identifier, relays });
  return undefined;
}

/** The kind of a Nostr object id as Pontis stores it: coordinates name their kind, a bare id is a note. */
export function kindOfObjectId(id: string): number {
  return parseCoordinate(id)?.kind ?? KIND.note;
}
