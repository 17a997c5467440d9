/**
 * What the pure mapper needs from the I/O layer, and what it hands back. Everything is data or a
 * synchronous lookup answered from memory the adapter loaded beforehand (no I/O inside).
 */
import type { BridgeEvent } from '../../../libs/events/index.js';
import type { AsObject } from './as2.js';

export interface InboundContext {
  /** Origins (`https://host[:port]`) the bridge serves actors on: anything from there is our own copy (echo). */
  ownOrigins?: readonly string[];
  /** `@user@host` for an actor URL, when the I/O layer resolved it (WebFinger / preferredUsername). */
  handleOf?: (actorId: string) => string | undefined;
  /** Fallback time for objects without `published` (when the activity arrived), so ids and times stay deterministic. */
  receivedAt?: string;
  /** The thread root of a reply to `parentId` (thread-root.ts), when the I/O layer knows the parent. */
  threadRootOf?: (parentId: string) => string | undefined;
}

/** Activity-level signals that are account state, not BridgeEvents (the I/O layer acts on them). */
export interface ControlSignal {
  kind: 'accept' | 'reject' | 'move';
  actor: string;
  /** accept/reject: the Follow id (or the follower's actor when only that is given); move: the new actor. */
  object: string[];
}

export interface MapResult {
  events: BridgeEvent[];
  ignored?: string;
  control?: ControlSignal;
}

export interface RenderContext {
  /** Our public origin (`https://bridge.example`): ids of what we publish live under it. */
  baseUrl: string;
  /**
   * A stored activity we published earlier (by id), so an Undo can embed the Like/Announce/Follow/
   * Block it undoes (Mastodon reads `object.object` of an Undo to find what to remove).
   */
  sentActivity?: (id: string) => AsObject | undefined;
  /** The full actor document for profile updates (the I/O layer renders Person from stored keys + profile). */
  actorDocument?: AsObject;
  /** The author of a post we reply to, like or boost: addressed so their server notifies them. */
  authorOf?: (objectId: string) => string | undefined;
  /** A reply's thread root when the command names none (thread-root.ts): written as `context`. */
  threadRootOf?: (parentId: string) => string | undefined;
}

/** Who an activity goes to: the I/O layer turns this into inboxes (shared ones where offered). */
export interface Delivery {
  /** Deliver to the followers of the publishing actor. */
  followers: boolean;
  /** Actor ids addressed directly (mentions, the followed actor, the replied-to author). */
  actors: string[];
}

export interface RenderResult {
  activity?: AsObject;
  delivery?: Delivery;
  /** The id of the copy (receipt ref): the object's id for posts, the activity's id for likes, boosts, follows, blocks. */
  copyId?: string;
  skipped?: string;
}
