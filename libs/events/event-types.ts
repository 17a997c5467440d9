/** Every event type on bridge.events.v1, close to ActivityStreams verbs. */
export const EVENT_TYPES = [
  'post.created',
  'post.updated',
  'post.deleted',
  'reaction.added',
  'reaction.removed',
  'repost.created',
  'repost.deleted',
  'follow.created',
  'follow.deleted',
  'block.created',
  'block.deleted',
  'profile.updated',
  'account.deleted',
  'report.created',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Event types that point at an existing object (`target`) and so must wait for it to be bridged. */
export const TARGETED_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'post.updated',
  'post.deleted',
  'reaction.added',
  'reaction.removed',
  'repost.created',
  'repost.deleted',
]);

/** Event types aimed at another actor (`subject`). */
export const SUBJECT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'follow.created',
  'follow.deleted',
  'block.created',
  'block.deleted',
]);

/** Event types whose `source` is a new object that later events (undo, delete, reply) can point at. */
export const CREATING_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'post.created',
  'repost.created',
  'reaction.added',
  'follow.created',
  'block.created',
]);

/** Event types that remove what `target` names: nothing to do on a network the target never reached. */
export const REMOVING_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'post.deleted',
  'reaction.removed',
  'repost.deleted',
  'follow.deleted',
  'block.deleted',
]);

/** Event types kept for the bridge's moderators (the receiving adapter records them), never bridged. */
export const MODERATION_TYPES: ReadonlySet<EventType> = new Set<EventType>(['report.created']);
