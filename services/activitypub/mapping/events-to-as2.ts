/**
 * OutboundCommand in, one activity out (the I/O layer signs and delivers it). Pure: what only the
 * I/O layer knows (activities we sent before, the actor document, authors) comes in the context.
 */
import { actorKey, type OutboundCommand } from '../../../libs/events/index.js';
import { AS_PUBLIC, CONTEXT, isObject, type AsObject } from './as2.js';
import type { RenderContext, RenderResult } from './context.js';
import { activityUrl, followersUrl, objectUrl } from './ids.js';
import { renderPostObject } from './outbound-post.js';

export function render(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const actorId = command.as.id;
  if (!actorId) return { skipped: 'no ActivityPub actor to publish as (provision first)' };
  const { event } = command;
  const id = activityUrl(ctx.baseUrl, command.id);
  const publicTo = { to: [AS_PUBLIC], cc: [followersUrl(actorId)] };
  const wrap = (type: string, object: unknown, extra: AsObject = {}): AsObject => ({ '@context': CONTEXT, id, type, actor: actorId, ...extra, object });
  const target = command.refs.target?.id;
  switch (event.type) {
    case 'post.created': {
      if (!event.object) return { skipped: 'post without object' };
      const { object, delivery } = renderPostObject(command, ctx, objectUrl(ctx.baseUrl, command.objectKey), actorId);
      return { activity: wrap('Create', object, { to: object.to, cc: object.cc, published: object.published }), delivery, copyId: object.id as string };
    }
    case 'post.updated': {
      if (!event.object || !target) return { skipped: 'edit of a post that has no copy here' };
      const { object, delivery } = renderPostObject(command, ctx, target, actorId);
      object.updated = event.object.updatedAt ?? event.occurredAt;
      return { activity: wrap('Update', object, { to: object.to, cc: object.cc }), delivery, copyId: target };
    }
    case 'post.deleted':
      if (!target) return { skipped: 'delete of a post that has no copy here' };
      return { activity: wrap('Delete', { id: target, type: 'Tombstone' }, publicTo), delivery: { followers: true, actors: [] } };
    case 'reaction.added': {
      if (!target) return { skipped: 'reaction to a post that has no copy here' };
      const author = ctx.authorOf?.(target);
      const content = event.reaction?.content ?? '+';
      // A plain Like everywhere; the emoji rides along the way Misskey reads it (Mastodon shows a favourite).
      const emoji = content === '+' ? {} : { content, _misskey_reaction: content };
      return { activity: wrap('Like', target, { ...emoji, to: author ? [author] : [], cc: [] }), delivery: { followers: false, actors: author ? [author] : [] }, copyId: id };
    }
    case 'repost.created': {
      if (!target) return { skipped: 'repost of a post that has no copy here' };
      const author = ctx.authorOf?.(target);
      return {
        activity: wrap('Announce', target, { to: [AS_PUBLIC], cc: [followersUrl(actorId), ...(author ? [author] : [])], published: event.occurredAt }),
        delivery: { followers: true, actors: author ? [author] : [] },
        copyId: id,
      };
    }
    case 'reaction.removed':
    case 'repost.deleted':
    case 'follow.deleted':
    case 'block.deleted':
      return undo(command, ctx, wrap);
    case 'follow.created':
    case 'block.created': {
      const subject = event.subject && command.actors[actorKey(event.subject)]?.id;
      if (!subject) return { skipped: `${event.type} of an actor with no ActivityPub identity` };
      return { activity: wrap(event.type === 'follow.created' ? 'Follow' : 'Block', subject, { to: [subject] }), delivery: { followers: false, actors: [subject] }, copyId: id };
    }
    case 'profile.updated':
      if (!ctx.actorDocument) return { skipped: 'no actor document to publish' };
      return { activity: wrap('Update', stripContext(ctx.actorDocument), publicTo), delivery: { followers: true, actors: [] } };
    case 'account.deleted':
      return { activity: wrap('Delete', actorId, publicTo), delivery: { followers: true, actors: [] } };
    case 'report.created':
      return { skipped: 'reports are kept for moderators, never bridged' };
  }
}

function stripContext(o: AsObject): AsObject {
  const { '@context': _drop, ...rest } = o;
  return rest;
}

/** Undo embeds the activity it undoes (Mastodon needs `object.object` to find a like or boost). */
function undo(command: OutboundCommand, ctx: RenderContext, wrap: (type: string, object: unknown, extra?: AsObject) => AsObject): RenderResult {
  const target = command.refs.target?.id;
  if (!target) return { skipped: `${command.event.type}: the undone activity has no copy here` };
  const sent = ctx.sentActivity?.(target);
  if (!sent || !isObject(sent)) return { skipped: `${command.event.type}: the undone activity ${target} is not one we sent` };
  const inner = stripContext(sent);
  const to = Array.isArray(sent.to) ? (sent.to as string[]) : [];
  const cc = Array.isArray(sent.cc) ? (sent.cc as string[]) : [];
  const followers = command.event.type === 'repost.deleted';
  const actors = [...to, ...cc].filter((a) => a.startsWith('http') && !a.endsWith('/followers') && a !== command.as.id);
  return { activity: wrap('Undo', inner, { to, cc }), delivery: { followers, actors } };
}
