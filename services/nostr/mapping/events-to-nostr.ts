/**
 * OutboundCommand in, unsigned Nostr event templates out (the I/O layer signs them with the key of
 * the identity in `command.as` and publishes them in order). Pure: what only the I/O layer knows
 * (current lists, authors, relay hints) comes in the RenderContext.
 */
import { actorKey, type OutboundCommand } from '../../../libs/events/index.js';
import type { RenderContext, RenderResult } from './context.js';
import { listEntryId } from './inbound-social.js';
import { KIND, TAG, type NostrEvent } from './nostr-protocol.js';
import { formatCoordinate } from './nostr-refs.js';
import { renderPostCreated, renderPostUpdated } from './outbound-post.js';
import { renderAccountDeleted, renderDeletion, renderListChange, renderProfile, renderReaction, renderRepost } from './outbound-social.js';

export function render(command: OutboundCommand, ctx: RenderContext = {}): RenderResult {
  const { event } = command;
  switch (event.type) {
    case 'post.created':
      return event.object ? renderPostCreated(command, ctx) : { templates: [], skipped: 'post without object' };
    case 'post.updated':
      return event.object ? renderPostUpdated(command, ctx) : { templates: [], skipped: 'post without object' };
    case 'post.deleted':
    case 'reaction.removed':
    case 'repost.deleted':
      return renderDeletion(command, ctx);
    case 'reaction.added':
      return renderReaction(command, ctx);
    case 'repost.created':
      return renderRepost(command, ctx);
    case 'follow.created':
    case 'follow.deleted':
    case 'block.created':
    case 'block.deleted':
      return renderListChange(command, ctx);
    case 'profile.updated':
      return renderProfile(command, ctx);
    case 'account.deleted':
      return renderAccountDeleted(command, ctx);
    case 'report.created':
      return { templates: [], skipped: 'reports are kept for moderators, never bridged' };
  }
}

/**
 * The native id of the copy a published event made, for the receipt (and so the object map):
 * an article's coordinate (every version is one object), a follow or mute's list entry id
 * (`3:<us>:<them>`, as the inbound side names it), the original copy for an edit, the event id
 * otherwise. Undefined for removals (a receipt for a delete carries no ref).
 */
export function copyIdOf(command: OutboundCommand, published: Pick<NostrEvent, 'id' | 'pubkey' | 'kind' | 'tags'>): string | undefined {
  const type = command.event.type;
  if (type === 'post.deleted' || type === 'reaction.removed' || type === 'repost.deleted' || type === 'account.deleted') return undefined;
  if (type === 'post.updated') return command.refs.target?.id;
  if (published.kind === KIND.article) {
    const d = published.tags.find((t) => t[0] === TAG.identifier)?.[1] ?? '';
    return formatCoordinate({ kind: KIND.article, pubkey: published.pubkey, identifier: d });
  }
  if (published.kind === KIND.contacts || published.kind === KIND.muteList) {
    const subject = command.event.subject;
    const pubkey = subject && command.actors[actorKey(subject)]?.id;
    return pubkey ? listEntryId(published.kind, published.pubkey, pubkey) : undefined;
  }
  return published.id;
}
