/** Reactions, reposts, removals, follow and mute lists, profile and account deletion → Nostr templates. */
import { actorKey, type OutboundCommand } from '../../../libs/events/index.js';
import type { RenderContext, RenderResult } from './context.js';
import { KIND, PROFILE_FIELD, REACTION, TAG, VANISH_ALL_RELAYS, type NostrTemplate } from './nostr-protocol.js';
import { addTag, createdAt, provenanceTags, trimTag } from './outbound-common.js';
import { formatCoordinate, isHex64, kindOfObjectId, parseCoordinate } from './nostr-refs.js';

const template = (command: OutboundCommand, ctx: RenderContext, kind: number, tags: string[][], content = ''): NostrTemplate => ({
  kind,
  created_at: createdAt(command, ctx),
  tags: [...tags, ...provenanceTags(command)],
  content,
});

/** `e` (or `a` for an article) + `p` + `k` pointing at a Nostr object, as NIP-18 and NIP-25 want them. */
function pointerTags(id: string, ctx: RenderContext, withAuthorInE: boolean): string[][] {
  const c = parseCoordinate(id);
  const relay = ctx.relayHint?.(id);
  const author = c?.pubkey ?? ctx.authorOf?.(id);
  const tags = [c ? trimTag([TAG.address, id, relay]) : trimTag([TAG.event, id, relay ?? '', withAuthorInE ? author : undefined])];
  if (author && isHex64(author)) tags.push([TAG.pubkey, author]);
  tags.push([TAG.kind, String(kindOfObjectId(id))]);
  return tags;
}

/** NIP-25: '+' for a like, an emoji, or `:shortcode:` with its NIP-30 `emoji` tag. */
export function renderReaction(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const target = command.refs.target;
  if (!target) return { templates: [], skipped: 'the reacted-to post has no copy on nostr' };
  const tags = pointerTags(target.id, ctx, true);
  const r = command.event.reaction ?? { content: REACTION.like };
  const shortcode = /^:([\w-]+):$/.exec(r.content)?.[1];
  let content = r.content;
  if (shortcode && r.emojiUrl) tags.push([TAG.emoji, shortcode, r.emojiUrl]);
  // A shortcode with no image would show as literal text: send a plain like instead.
  else if (shortcode || !r.content) content = REACTION.like;
  return { templates: [template(command, ctx, KIND.reaction, tags, content)] };
}

/**
 * NIP-18: kind 6 for a note (content: the reposted event's JSON when the I/O layer has it, else
 * empty, as for `["-"]` events), kind 16 with `k` and `a` for an article.
 */
export function renderRepost(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const target = command.refs.target;
  if (!target) return { templates: [], skipped: 'the reposted post has no copy on nostr' };
  if (parseCoordinate(target.id)) return { templates: [template(command, ctx, KIND.genericRepost, pointerTags(target.id, ctx, false))] };
  const tags = pointerTags(target.id, ctx, false).filter((t) => t[0] !== TAG.kind);
  return { templates: [template(command, ctx, KIND.repost, tags, embedded(ctx.repostedEvent, target.id))] };
}

function embedded(json: string | undefined, id: string): string {
  if (!json) return '';
  try {
    return (JSON.parse(json) as { id?: unknown }).id === id ? json : '';
  } catch {
    return '';
  }
}

const REMOVED_KIND: Partial<Record<string, number>> = { 'reaction.removed': KIND.reaction, 'repost.deleted': KIND.repost };

/** NIP-09 kind 5 for post.deleted, reaction.removed and repost.deleted: the copy by `e` (or `a`) and its kind by `k`. */
export function renderDeletion(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const target = command.refs.target;
  if (!target) return { templates: [], skipped: 'nothing of this on nostr to delete' };
  const kind = REMOVED_KIND[command.event.type] ?? kindOfObjectId(target.id);
  const tags = [[parseCoordinate(target.id) ? TAG.address : TAG.event, target.id], [TAG.kind, String(kind)]];
  return { templates: [template(command, ctx, KIND.deletion, tags)] };
}

/**
 * Follows (kind 3, NIP-02) and mutes (kind 10000, NIP-51) are whole replaceable lists, so the new
 * list is the current one (from the context, every entry and the content kept) with one `p` added
 * or removed. Without the current list nothing is rendered: a partial list would wipe the rest.
 */
export function renderListChange(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const follow = command.event.type.startsWith('follow.');
  const adding = command.event.type.endsWith('.created');
  const current = follow ? ctx.currentFollows : ctx.currentMutes;
  const listName = follow ? 'follow list (ctx.currentFollows)' : 'mute list (ctx.currentMutes)';
  if (!current) return { templates: [], skipped: `current ${listName} not supplied` };
  const subject = command.event.subject;
  const pubkey = subject ? command.actors[actorKey(subject)]?.id : undefined;
  if (!isHex64(pubkey)) return { templates: [], skipped: 'subject has no nostr identity' };
  const has = current.tags.some((t) => t[0] === TAG.pubkey && t[1] === pubkey);
  if (has === adding) return { templates: [], skipped: adding ? 'already in the list' : 'not in the list' };
  const tags = adding ? [...current.tags.map((t) => [...t]), [TAG.pubkey, pubkey]] : current.tags.filter((t) => !(t[0] === TAG.pubkey && t[1] === pubkey)).map((t) => [...t]);
  // No provenance tags: the list is account state, not content (echoes are caught by pubkey and the object map).
  return { templates: [{ kind: follow ? KIND.contacts : KIND.muteList, created_at: createdAt(command, ctx), tags, content: current.content }] };
}

/**
 * NIP-01 kind 0 with NIP-24 fields. Bridged identities are automatons, so `bot: true` (NIP-24);
 * a person's own account (native mode) keeps its own `bot` and unknown fields (`lud16`, …).
 */
export function renderProfile(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const p = command.event.profile ?? {};
  const meta: Record<string, unknown> = { ...(ctx.currentProfile ?? {}) };
  const set = (key: string, value: unknown) => {
    if (value === undefined) delete meta[key];
    else meta[key] = value;
  };
  set(PROFILE_FIELD.name, p.displayName ?? command.as.handle);
  set(PROFILE_FIELD.displayName, p.displayName);
  set(PROFILE_FIELD.about, p.summary);
  set(PROFILE_FIELD.picture, p.avatar?.url);
  set(PROFILE_FIELD.banner, p.banner?.url);
  set(PROFILE_FIELD.website, p.links?.[0]?.url);
  delete meta[PROFILE_FIELD.displayNameLegacy];
  if (command.as.mode === 'bridged') set(PROFILE_FIELD.bot, true);
  if (ctx.nip05) set(PROFILE_FIELD.nip05, ctx.nip05);
  return { templates: [template(command, ctx, KIND.profile, [], JSON.stringify(meta))] };
}

/**
 * account.deleted, for a bridged identity only (a person's own Nostr account is theirs to keep):
 * a NIP-09 kind 5 for the profile and follow list by coordinate (widely honoured), then a NIP-62
 * request to vanish from all relays (draft NIP, in nostr-protocol/nips: relays that support it
 * delete every event of the key, which kind 5 cannot list).
 */
export function renderAccountDeleted(command: OutboundCommand, ctx: RenderContext): RenderResult {
  if (command.as.mode !== 'bridged') return { templates: [], skipped: "a person's own nostr account is not deleted" };
  const pubkey = command.as.id;
  if (!isHex64(pubkey)) return { templates: [], skipped: 'bridged identity has no nostr key yet' };
  const tags: string[][] = [];
  for (const kind of [KIND.profile, KIND.contacts]) {
    addTag(tags, [TAG.address, formatCoordinate({ kind, pubkey, identifier: '' })]);
    addTag(tags, [TAG.kind, String(kind)]);
  }
  const reason = `The ${command.event.actor.network} account this identity bridged was deleted.`;
  return { templates: [template(command, ctx, KIND.deletion, tags, reason), template(command, ctx, KIND.vanish, [[TAG.relay, VANISH_ALL_RELAYS]], reason)] };
}
