import type { ActorRef, Network, ObjectRef } from '../../libs/events/index.js';
import type { ObjectCopy, ObjectInfo } from './translation-context.js';

/**
 * What a reply or quote does on `target` about the post it answers or quotes (its parent).
 *
 * An event names the parent's author only sometimes (`ObjectRef.writtenBy`, an at:// URI), so the
 * rule uses what the bridge knows:
 * - the object map has the parent's copy on `target`: point at it;
 * - the parent is known and its copy is on its way to `target` (queued, or itself held): wait;
 * - the parent is known but will never reach `target` (its author is not bridged there, it was
 *   skipped or gave up): go now, as a post of its own that links the parent (Bridgy Fed does so);
 * - the parent was never seen: when its reference names its author (an at:// URI carries the DID,
 *   a Nostr `e` tag often the pubkey) and that author has no bridged account, it can never have a
 *   copy: go now with the link. Otherwise
 *   wait, briefly when the author is unknown (`unseen`): the bridge sees every public post of the
 *   people it bridges, so a parent by one of them comes soon or not at all.
 * - `givenUp` (the wait's deadline passed): whatever has no copy now is linked.
 */
export type ParentDecision =
  | { kind: 'copy'; copy: ObjectCopy }
  /** `seen`: the parent is known and in flight; `briefly`: never seen and its author unknown. */
  | { kind: 'wait'; seen: boolean; briefly: boolean }
  | { kind: 'link' };

export interface ParentFacts {
  /** The parent in the object map, absent when never seen. */
  info: ObjectInfo | undefined;
  /** Whether the author its id names has a bridged (opted-in, active) account; undefined: the id names no author. */
  authorBridged: boolean | undefined;
  givenUp: boolean;
}

export function decideParent(target: Network, facts: ParentFacts): ParentDecision {
  const { info, authorBridged, givenUp } = facts;
  const copy = info?.copies[target];
  if (copy) return { kind: 'copy', copy };
  if (givenUp) return { kind: 'link' };
  if (info) return info.planned.has(target) ? { kind: 'wait', seen: true, briefly: false } : { kind: 'link' };
  if (authorBridged === false) return { kind: 'link' };
  return { kind: 'wait', seen: false, briefly: authorBridged === undefined };
}

const AT_URI = /^at:\/\/(did:[a-z]+:[a-zA-Z0-9._:%-]+)\/([^/]+)\/([^/]+)$/;

/** The parent's author where the reference names it (`writtenBy`) or its id carries it (AT Protocol); otherwise undefined. */
export function authorNamedBy(ref: ObjectRef): ActorRef | undefined {
  if (ref.writtenBy?.network === ref.network) return ref.writtenBy;
  if (ref.network !== 'atproto') return undefined;
  const m = AT_URI.exec(ref.id);
  return m ? { network: 'atproto', id: m[1]! } : undefined;
}
