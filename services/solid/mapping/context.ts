import type { BridgeEvent, MappedRef, ObjectRef } from '../../../libs/events/index.js';
import type { As2Object, Folder } from './as2.js';

/** One change to make in a pod. URLs are absolute; `public` decides the resource's ACL. */
export type PodWrite =
  | { op: 'put'; url: string; body: As2Object; public: boolean; role: 'outbox' | 'inbox' | 'profile' }
  | { op: 'delete'; url: string };

export interface RenderContext {
  /** The identity we write as: its WebID and its `social/` container. */
  me: { webId: string; socialUrl: string };
  /**
   * The `social/` container of the person who owns a referenced Solid original (a reply's parent,
   * a liked post), when the bridge may deliver to their inbox; undefined otherwise.
   */
  socialOf?: (ref: MappedRef) => string | undefined;
  /** The `social/` container of a person the bridge may notify (a linked pod), by WebID: a follow's notice. */
  socialOfPerson?: (webId: string) => string | undefined;
  /** Where the pod keeps a copy of attachment `index` (social/media/), when the deliverer made one. */
  mediaCopy?: (index: number) => string | undefined;
  /** Public URL of this Pontis (the `generator` link). */
  bridgeUrl?: string;
}

export interface RenderResult {
  writes: PodWrite[];
  /** The copy's ref (the outbox resource); none for removals. */
  ref?: ObjectRef;
  skipped?: string;
}

/** What the mapper reads back, so a later disappearance becomes the right removal event. */
export type ResourceKind = 'post' | 'reaction' | 'repost' | 'follow';

export interface InboundResource {
  url: string;
  folder: Folder;
  body: string;
  contentType?: string;
  etag?: string;
  /** From the pod's WAC-Allow header: anyone may read it (decides visibility when it has no addressing). */
  publiclyReadable?: boolean;
}

export interface InboundContext {
  /** The pod's owner: the only author accepted in their outbox. */
  owner: { webId: string; socialUrl: string };
  /** What was seen at this URL before (an update when its ETag changed). */
  previous?: { etag?: string | null };
}

export interface MapResult {
  events: BridgeEvent[];
  kind?: ResourceKind;
  ignored?: string;
}
