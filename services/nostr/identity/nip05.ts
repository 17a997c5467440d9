import { NIP05_NAME_CHARS, NIP05_NAME_MAX } from './constants.js';

/*
 * NIP-05 (https://github.com/nostr-protocol/nips/blob/master/05.md), the part a server answers:
 * GET /.well-known/nostr.json?name=<local-part> → {"names":{name:hex},"relays":{hex:[urls]}}.
 * Pure: the controller does the lookup and the HTTP.
 */

export interface Nip05Document {
  names: Record<string, string>;
  relays: Record<string, string[]>;
}

export type Nip05Query =
  /** `key` is the name as asked (clients read `names[<what they asked>]`); `lookup` is lowercase. */
  | { ok: true; key: string; lookup: string }
  | { ok: false; reason: string };

/**
 * NIP-05 local parts are `a-z0-9-_.`, case-insensitive. Express gives a repeated parameter as an
 * array and `name[a]=` as an object: both are refused, as is a missing name (we never list every
 * bridged identity: that would hand out the whole user list).
 */
export function parseNip05Query(raw: unknown): Nip05Query {
  if (raw === undefined || raw === '') return { ok: false, reason: 'the name query parameter is required' };
  if (typeof raw !== 'string') return { ok: false, reason: 'give the name query parameter once, as text' };
  if (raw.length > NIP05_NAME_MAX) return { ok: false, reason: `name is longer than ${NIP05_NAME_MAX} characters` };
  const lookup = raw.toLowerCase();
  if (!NIP05_NAME_CHARS.test(lookup)) return { ok: false, reason: 'name may contain only a-z, 0-9, "-", "_" and "."' };
  return { ok: true, key: raw, lookup };
}

/**
 * The answer for one name. An unknown name is `{"names":{},"relays":{}}` with 200, not 404: the
 * document is "what this domain says about the name", and an empty one says "nothing". Clients
 * fail verification either way (nostr-tools queryProfile needs status 200 *and* the name), but a
 * JSON 200 never trips clients that parse before checking the status; Ditto (Mostr's authors)
 * answers the same way.
 */
export function nip05Document(key: string, pubkey: string | null, relays: readonly string[]): Nip05Document {
  if (!pubkey) return { names: {}, relays: {} };
  return { names: { [key]: pubkey }, relays: relays.length ? { [pubkey]: [...relays] } : {} };
}

/** What identities.handle holds for a bridged Nostr identity: the full NIP-05 address. */
export function nip05Handle(name: string, domain: string): string {
  return `${name}@${domain}`.toLowerCase();
}
