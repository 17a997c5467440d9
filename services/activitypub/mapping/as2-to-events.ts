/**
 * A verified incoming activity (AS2 JSON, compacted) → BridgeEvents. Pure and total: hostile or
 * unknown input yields `{ events: [], ignored: <why> }`, never an exception, and every event
 * returned has passed `validateEvent`. The I/O layer verifies the signature, checks that the key's
 * owner is `activity.actor`, and embeds objects it had to fetch before calling this.
 *
 * Ids are deterministic: `activitypub:<object id>` for a new post (the same Note reaching a personal
 * and a shared inbox is one event), `activitypub:<activity id>` for everything else.
 */
import { EVENT_SCHEMA_VERSION, InvalidEventError, validateEvent, type ActorRef, type BridgeEvent, type EventType, type ObjectRef } from '../../../libs/events/index.js';
import { ACTOR_TYPES, asArray, hasType, idOf, isObject, isoTime, POST_TYPES, str, typesOf, type AsObject } from './as2.js';
import type { InboundContext, MapResult } from './context.js';
import { profileOf } from './inbound-profile.js';
import { pageUrl, postFromObject } from './inbound-post.js';
import { isOwnActorUrl } from './ids.js';
import { traceOf } from './provenance.js';

interface Env {
  activity: AsObject;
  actor: string;
  ctx: InboundContext;
  time: string;
}

export function toEvents(activity: unknown, ctx: InboundContext = {}): MapResult {
  if (!isObject(activity)) return { events: [], ignored: 'not a JSON object' };
  const actor = idOf(activity.actor);
  if (!actor) return { events: [], ignored: 'activity without an http(s) actor' };
  const id = idOf(activity.id);
  if (!id) return { events: [], ignored: 'activity without an http(s) id' };
  const env: Env = { activity, actor, ctx, time: isoTime(activity.published) ?? ctx.receivedAt ?? new Date(0).toISOString() };
  let result: MapResult;
  try {
    result = byType(env);
  } catch (err) {
    // Defence in depth: no known input gets here, but one bad activity must not stop the stream.
    return { events: [], ignored: `mapping failed: ${(err as Error).message}` };
  }
  return keepValid(result);
}

function byType(env: Env): MapResult {
  const types = typesOf(env.activity);
  const type = types[0];
  switch (type) {
    case 'Create':
      return create(env);
    case 'Update':
      return update(env);
    case 'Delete':
      return del(env);
    case 'Announce':
      return targeted(env, 'repost.created');
    case 'Like':
    case 'EmojiReact':
      return reaction(env);
    case 'Follow':
      return subjectEvent(env, 'follow.created');
    case 'Block':
      return subjectEvent(env, 'block.created');
    case 'Undo':
      return undo(env);
    case 'Accept':
    case 'Reject':
      return control(env, type === 'Accept' ? 'accept' : 'reject');
    case 'Flag':
      return report(env);
    case 'Move':
      return control(env, 'move');
    default:
      return { events: [], ignored: `activity type ${type ?? '(none)'} is not bridged` };
  }
}

function actorRef(env: Env): ActorRef {
  const handle = env.ctx.handleOf?.(env.actor);
  return { network: 'activitypub', id: env.actor, ...(handle ? { handle } : {}) };
}

function base(env: Env, type: EventType, sourceId: string, object?: AsObject, idSuffix?: string): BridgeEvent {
  const activityId = env.activity.id as string;
  const id = type === 'post.created' ? sourceId : activityId;
  return {
    v: EVENT_SCHEMA_VERSION,
    id: `activitypub:${id}${idSuffix ?? ''}`,
    type,
    occurredAt: env.time,
    source: { network: 'activitypub', id: sourceId },
    actor: actorRef(env),
    trace: traceOf(env.activity, object, env.actor, env.ctx.ownOrigins ?? []),
  };
}

const ref = (id: string): ObjectRef => ({ network: 'activitypub', id });

/** Someone may only create, edit or delete what they are the author of. */
function authoredBy(o: AsObject, actor: string): boolean {
  const attributed = asArray(o.attributedTo).map(idOf).filter(Boolean);
  return attributed.length === 0 || attributed.includes(actor);
}

/** Mastodon, Misskey, Pleroma and GoToSocial all name the followers collection `<actor>/followers`. */
function followersOf(env: Env): string {
  return `${env.actor}/followers`;
}

function embeddedPost(env: Env): AsObject | string {
  const o = env.activity.object;
  if (!isObject(o)) return idOf(o) ? 'object not embedded (fetch it first)' : 'activity without object';
  if (!hasType(o, ...POST_TYPES)) return `object type ${typesOf(o)[0] ?? '(none)'} is not bridged`;
  if (!idOf(o.id)) return 'object without an http(s) id';
  if (!authoredBy(o, env.actor)) return 'object attributed to someone other than the actor';
  return o;
}

function create(env: Env): MapResult {
  const o = embeddedPost(env);
  if (typeof o === 'string') return { events: [], ignored: o };
  const mapped = postFromObject(o, followersOf(env), env.time, env.ctx.threadRootOf);
  if ('problem' in mapped) return { events: [], ignored: mapped.problem };
  const post = mapped.post;
  if (!post.text.trim() && !post.attachments.length && !post.quote) return { events: [], ignored: 'empty post' };
  const event = { ...base(env, 'post.created', o.id as string, o), object: post };
  if (post.url) event.source.url = post.url;
  return { events: [event] };
}

function update(env: Env): MapResult {
  const o = env.activity.object;
  if (isObject(o) && hasType(o, ...ACTOR_TYPES)) {
    if (idOf(o.id) !== env.actor) return { events: [], ignored: 'profile update for another actor' };
    const event = { ...base(env, 'profile.updated', env.activity.id as string, o), profile: profileOf(o) };
    // Where the profile lives is the person's page (or their actor), not the Update activity: the
    // link back to the origin that copies carry (a pod's `social/profile`, docs/SOLID.md).
    event.source.url = pageUrl(o) ?? env.actor;
    return { events: [event] };
  }
  const post = embeddedPost(env);
  if (typeof post === 'string') return { events: [], ignored: post };
  const mapped = postFromObject(post, followersOf(env), env.time, env.ctx.threadRootOf);
  if ('problem' in mapped) return { events: [], ignored: mapped.problem };
  const event: BridgeEvent = { ...base(env, 'post.updated', env.activity.id as string, post), object: mapped.post, target: ref(post.id as string) };
  return { events: [event] };
}

function del(env: Env): MapResult {
  const target = idOf(env.activity.object);
  if (!target) return { events: [], ignored: 'Delete without an object id' };
  // A Delete of the actor itself: the account is gone (Mastodon sends it signed by the deleted actor).
  if (target === env.actor) return { events: [base(env, 'account.deleted', env.activity.id as string)] };
  const o = isObject(env.activity.object) ? env.activity.object : undefined;
  if (o && !hasType(o, 'Tombstone', ...POST_TYPES) && typesOf(o).length) return { events: [], ignored: `Delete of a ${typesOf(o)[0]} is not bridged` };
  return { events: [{ ...base(env, 'post.deleted', env.activity.id as string), target: ref(target) }] };
}

function targeted(env: Env, type: 'repost.created'): MapResult {
  const target = idOf(env.activity.object);
  if (!target) return { events: [], ignored: 'Announce without an object id' };
  const event = { ...base(env, type, env.activity.id as string, isObject(env.activity.object) ? env.activity.object : undefined), target: ref(target) };
  return { events: [event] };
}

/** A custom emoji's image from the activity's `tag` (Misskey, Pleroma: `Emoji` with an `icon`). */
function emojiUrl(activity: AsObject, content: string): string | undefined {
  for (const t of asArray(activity.tag)) {
    if (!isObject(t) || !hasType(t, 'Emoji') || t.name !== content) continue;
    const icon = isObject(t.icon) ? t.icon.url : undefined;
    const url = idOf(typeof icon === 'string' ? icon : undefined);
    if (url) return url;
  }
  return undefined;
}

function reaction(env: Env): MapResult {
  const target = idOf(env.activity.object);
  if (!target) return { events: [], ignored: 'reaction without an object id' };
  // Misskey sends its reaction as Like + `_misskey_reaction`/`content`; Pleroma/Akkoma as EmojiReact + `content`.
  const raw = (str(env.activity._misskey_reaction, 200) ?? str(env.activity.content, 200))?.trim();
  const content = raw && raw !== '❤' && raw !== '❤️' && raw !== '👍' ? raw : '+';
  const url = content === '+' ? undefined : emojiUrl(env.activity, content);
  const event = { ...base(env, 'reaction.added', env.activity.id as string), target: ref(target), reaction: { content, ...(url ? { emojiUrl: url } : {}) } };
  return { events: [event] };
}

function subjectEvent(env: Env, type: 'follow.created' | 'block.created'): MapResult {
  const subject = idOf(env.activity.object);
  if (!subject) return { events: [], ignored: `${type} without an actor id` };
  return { events: [{ ...base(env, type, env.activity.id as string), subject: { network: 'activitypub', id: subject } }] };
}

const UNDONE: Record<string, EventType> = { Follow: 'follow.deleted', Like: 'reaction.removed', EmojiReact: 'reaction.removed', Announce: 'repost.deleted', Block: 'block.deleted' };

function undo(env: Env): MapResult {
  const inner = env.activity.object;
  const innerId = idOf(inner);
  if (!innerId) return { events: [], ignored: 'Undo without an object id' };
  // Mastodon embeds what it undoes; a bare id leaves the kind to the I/O layer's lookup.
  if (!isObject(inner)) return { events: [], ignored: 'Undo of an unembedded activity (look it up first)' };
  if (idOf(inner.actor) && idOf(inner.actor) !== env.actor) return { events: [], ignored: 'Undo of an activity by someone else' };
  const type = UNDONE[typesOf(inner)[0] ?? ''];
  if (!type) return { events: [], ignored: `Undo of ${typesOf(inner)[0] ?? '(none)'} is not bridged` };
  const event: BridgeEvent = { ...base(env, type, env.activity.id as string), target: ref(innerId) };
  if (type === 'follow.deleted' || type === 'block.deleted') {
    const subject = idOf(inner.object);
    if (!subject) return { events: [], ignored: 'Undo of a follow or block without its object' };
    event.subject = { network: 'activitypub', id: subject };
  }
  return { events: [event] };
}

function control(env: Env, kind: 'accept' | 'reject' | 'move'): MapResult {
  const a = env.activity;
  const object = kind === 'move' ? [idOf(a.target)] : asArray(a.object).map(idOf);
  const ids = object.filter((x): x is string => !!x).slice(0, 100);
  if (!ids.length) return { events: [], ignored: `${kind} without an object` };
  return { events: [], ignored: `${kind} is account state, not an event`, control: { kind, actor: env.actor, object: ids } };
}

/** Flag (Mastodon's remote report: the account first, then any of its posts): a report for our moderators. */
function report(env: Env): MapResult {
  const ids = asArray(env.activity.object).map(idOf).filter((x): x is string => !!x).slice(0, 100);
  if (!ids.length) return { events: [], ignored: 'Flag without an object' };
  const own = env.ctx.ownOrigins ?? [];
  const reason = str(env.activity.content, 5000);
  const event = base(env, 'report.created', env.activity.id as string);
  event.report = {
    ...(reason ? { reason } : {}),
    actors: ids.filter((id) => isOwnActorUrl(own, id)).map((id) => ({ network: 'activitypub', id })),
    objects: ids.filter((id) => !isOwnActorUrl(own, id)).map(ref),
  };
  return { events: [event] };
}

function keepValid(result: MapResult): MapResult {
  const events: BridgeEvent[] = [];
  const problems: string[] = [];
  for (const e of result.events) {
    try {
      events.push(validateEvent(e));
    } catch (err) {
      problems.push(err instanceof InvalidEventError ? err.problems.join(', ') : String(err));
    }
  }
  const ignored = [result.ignored, ...problems.map((p) => `invalid output dropped: ${p}`)].filter(Boolean).join('; ');
  return { events, ...(ignored ? { ignored } : {}), ...(result.control ? { control: result.control } : {}) };
}
