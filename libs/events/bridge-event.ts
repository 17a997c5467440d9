import type { EventType } from './event-types.js';
import type { Network } from './networks.js';

/** The schema version carried by every record on bridge.events.v1. */
export const EVENT_SCHEMA_VERSION = 1 as const;

/**
 * A person or bot on one network, by the id that network itself uses:
 * an ActivityPub actor URL, an AT Protocol DID, a Nostr pubkey (64 hex), a Solid WebID.
 */
export interface ActorRef {
  network: Network;
  id: string;
  /** Human handle where the network has one (`@user@host`, `alice.bsky.social`, NIP-05, ...). */
  handle?: string;
}

/**
 * An object (post, repost, reaction) on one network by its native id: an AP object URL,
 * an at:// URI (with its CID: AT Protocol replies need strong refs), a Nostr event id, a Solid resource URL.
 */
export interface ObjectRef {
  network: Network;
  id: string;
  cid?: string;
  url?: string;
  /**
   * Who wrote it, where the source's reference names them (a Nostr `e` tag's pubkey, an embedded
   * parent's attributedTo). Lets the translator tell at once that a parent's author is not bridged.
   */
  writtenBy?: ActorRef;
}

/**
 * Offsets are UTF-16 code units into `PostObject.text` (what JavaScript strings index by).
 * Adapters convert at the edge: AT Protocol facets use UTF-8 bytes, so the atproto adapter
 * translates both ways.
 */
export interface Facet {
  kind: 'mention' | 'link' | 'tag';
  start: number;
  end: number;
  /** kind=mention: who is mentioned. */
  actor?: ActorRef;
  /** kind=link: the URL. */
  url?: string;
  /** kind=tag: the tag without '#'. */
  tag?: string;
}

export interface Attachment {
  url: string;
  mediaType: string;
  alt?: string;
  width?: number;
  height?: number;
  blurhash?: string;
  sizeBytes?: number;
}

export type Visibility = 'public' | 'unlisted' | 'followers' | 'direct';

export interface PostObject {
  /** note (short post), article (long-form, has title), question (poll, rendered as text). */
  kind: 'note' | 'article' | 'question';
  text: string;
  /** The source's HTML when it had one (sanitized by the adapter). */
  html?: string;
  title?: string;
  facets: Facet[];
  language?: string;
  replyTo?: ObjectRef;
  threadRoot?: ObjectRef;
  quote?: ObjectRef;
  attachments: Attachment[];
  /** Content warning / spoiler text; `sensitive` alone marks media as sensitive without text. */
  contentWarning?: string;
  sensitive: boolean;
  visibility: Visibility;
  /** Poll options, for kind=question. */
  options?: string[];
  url?: string;
  publishedAt: string;
  updatedAt?: string;
}

export interface Profile {
  displayName?: string;
  summary?: string;
  avatar?: Attachment;
  banner?: Attachment;
  links?: { label: string; url: string }[];
  bot?: boolean;
}

/** A report about accounts and objects the bridge serves; `actor` of the event is who reported. */
export interface Report {
  /** The reporter's words, plain text. */
  reason?: string;
  actors: ActorRef[];
  objects: ObjectRef[];
}

/**
 * Where an event has been. An event that came in from a network but was first
 * published there by Pontis (or another bridge) carries `bridged: true` and is never bridged again.
 */
export interface Trace {
  origin: Network;
  hops: number;
  /** Set by an adapter that recognizes bridge provenance (ours or another bridge's). */
  bridged?: boolean;
  /** Which bridge published it, when known (`pontis`, `bridgy-fed`, `mostr`, ...). */
  via?: string;
}

/**
 * One normalized event on bridge.events.v1.
 *
 * `id` must be deterministic for the same native input (e.g. `nostr:<event id>`), so the same
 * thing seen twice (two relays, a firehose replay) has the same id and is bridged once.
 */
export interface BridgeEvent {
  v: typeof EVENT_SCHEMA_VERSION;
  id: string;
  type: EventType;
  occurredAt: string;
  /**
   * The native thing this event is about. For events that create something (post.created,
   * repost.created, reaction.added, follow.created, block.created) it is the created object's own
   * native ref (the Note id, not the Create activity id), so later events can point at it.
   * For updates and removals it is the native activity/record/event that carried the change.
   */
  source: ObjectRef;
  actor: ActorRef;
  /** post.created, post.updated. `object.source` is the post's own native ref. */
  object?: PostObject;
  /**
   * The object acted on: the post for post.updated/deleted; the liked or reposted post; for
   * reaction.removed and repost.deleted, the reaction or repost being undone; for
   * follow.deleted/block.deleted optionally the follow or block being undone.
   */
  target?: ObjectRef;
  /** reaction.*: '+' for a like, otherwise an emoji or :shortcode:. */
  reaction?: { content: string; emojiUrl?: string };
  /** follow.*, block.*: the other actor. */
  subject?: ActorRef;
  /** profile.updated. */
  profile?: Profile;
  /** report.created: what someone reported to the bridge's moderators (an ActivityPub Flag, …). */
  report?: Report;
  trace: Trace;
}
