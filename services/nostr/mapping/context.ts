/**
 * What the pure mapper needs from the I/O layer, and what it hands back. Everything here is data
 * or a synchronous lookup the adapter answers from memory it loaded beforehand (no I/O inside).
 */
import type { BridgeEvent } from '../../../libs/events/index.js';
import type { NostrTemplate } from './nostr-protocol.js';

/** Context for one incoming Nostr event. Every field is optional: absent means "not known". */
export interface InboundContext {
  /** Pubkeys of the identities Pontis hosts: their events are our own copies coming back (echo). */
  bridgedPubkeys?: ReadonlySet<string>;
  /**
   * The author's previous kind-3 follow list (hex pubkeys), for diffing (NIP-02 replaces the whole
   * list on each update). Absent: this is the first list we see, and every entry is a new follow.
   * The I/O layer must also drop lists older than the one it holds (replaceable events may arrive
   * out of order from different relays).
   */
  previousFollows?: readonly string[];
  /** The same for the NIP-51 kind-10000 mute list (public entries), diffed into block events. */
  previousMutes?: readonly string[];
  /**
   * Kind 30023: true when this article's coordinate `30023:<pubkey>:<d>` was seen before, so the
   * new version is an edit (post.updated) rather than a new post.
   */
  knownCoordinate?: (coordinate: string) => boolean;
  /**
   * Kind 5: what the I/O layer knows about a deletion target (from the object map or its event cache).
   * NIP-09 honours a deletion only when the target has the same pubkey: a known target by someone
   * else is dropped here. An unknown target is emitted, and the translator must check authorship.
   */
  lookupEvent?: (id: string) => { pubkey: string; kind: number } | undefined;
  /** The author's NIP-05 address after the I/O layer verified it (NIP-05 lookup); used as `actor.handle`. */
  verifiedNip05?: string;
  /**
   * `actor.handle` when there is no verified NIP-05: a readable name the identity code derives
   * (kind-0 name plus an npub fingerprint, `nostrHandleFor`), never the 64-character hex key.
   */
  fallbackHandle?: string;
  /** Display name for a mentioned pubkey (from its kind 0), used as the mention text `@name`. */
  nameOf?: (pubkey: string) => string | undefined;
  /** A web link for a NIP-19 id (e.g. `https://njump.me/<nevent>`), used as `object.url`. */
  permalink?: (bech32: string) => string;
}

/** The outcome of mapping one Nostr event. `ignored` says why nothing (or less) came out. */
export interface MapResult {
  events: BridgeEvent[];
  ignored?: string;
}

/** Context for rendering one outbound command. */
export interface RenderContext {
  /** Unix seconds for `created_at`; default: the event's `occurredAt`, so a re-render is byte-identical. */
  createdAt?: number;
  /** A relay where a Nostr event can be found (NIP-10/NIP-18 relay hints). */
  relayHint?: (id: string) => string | undefined;
  /** The pubkey that signed a Nostr event (for `p` tags of the replied-to, reacted-to or reposted author). */
  authorOf?: (id: string) => string | undefined;
  /**
   * The newest kind-3 list of the identity we publish as (tags and content kept as they are, so
   * petnames, relay hints and other entries survive). An empty list for a fresh bridged identity.
   * Absent: follow.* is not rendered, because publishing a partial list would wipe the others.
   */
  currentFollows?: { tags: string[][]; content: string };
  /** The same for the NIP-51 kind-10000 mute list (its content may hold encrypted private mutes: kept). */
  currentMutes?: { tags: string[][]; content: string };
  /** The reposted event as JSON, for NIP-18 kind-6 content (only when the I/O layer has it verified). */
  repostedEvent?: string;
  /** The NIP-05 address Pontis serves for the identity (`user_at_host@our.domain`), for kind 0. */
  nip05?: string;
  /** The current kind-0 JSON of the identity (native mode): unknown fields such as `lud16` are kept. */
  currentProfile?: Record<string, unknown>;
  /** Also append the original post's URL to the content (it always goes in an `r` tag). Default false. */
  linkInContent?: boolean;
}

/** The outcome of rendering one command: templates to sign in order, or why there are none. */
export interface RenderResult {
  templates: NostrTemplate[];
  skipped?: string;
}
