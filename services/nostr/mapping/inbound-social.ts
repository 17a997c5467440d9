/** Kinds 0, 3, 5, 6/16 and 7 → profile, follow, removal, repost and reaction events. */
import { LIMITS, type BridgeEvent, type EventType, type Profile } from '../../../libs/events/index.js';
import type { MapResult } from './context.js';
import { baseEvent, type Envelope } from './inbound-envelope.js';
import { httpUrl, mediaTypeFromUrl, shortText, tagValue, wellFormed } from './inbound-guard.js';
import { KIND, PROFILE_FIELD, REACTION, TAG } from './nostr-protocol.js';
import { formatCoordinate, isHex64, parseCoordinate } from './nostr-refs.js';

/** reference/nostr.md ("kind-3 diffs … capped, cf. momostr's 500"): one list must not flood the bus. */
export const MAX_LIST_CHANGES = 500;
/** Kinds whose objects Pontis bridges, so reposts of and reactions to them can be bridged too. */
const BRIDGED_OBJECT_KINDS: ReadonlySet<number> = new Set([KIND.note, KIND.article]);

/**
 * The pseudo-id of one follow (or mute) on Nostr, where a follow is an entry in a list, not an
 * object: `<list kind>:<follower>:<followed>`. Stable across list versions, so follow.deleted can
 * name the follow that follow.created made. Kinds 3 and 10000 are not addressable, so this never
 * collides with a real NIP-01 coordinate.
 */
export function listEntryId(listKind: number, owner: string, member: string): string {
  return `${listKind}:${owner}:${member}`;
}

/** NIP-01 kind 0 + NIP-24 fields → profile.updated. The NIP-05 name becomes the handle only once verified (context). */
/** A kind 0's content as an object, or why not. */
function profileObject(content: string): Record<string, unknown> | string {
  let meta: unknown;
  try {
    meta = JSON.parse(content);
  } catch {
    return 'kind 0 content is not JSON';
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'kind 0 content is not a JSON object';
  return meta as Record<string, unknown>;
}

function displayNameOf(m: Record<string, unknown>): string | undefined {
  return shortText(m[PROFILE_FIELD.displayName], 256) ?? shortText(m[PROFILE_FIELD.displayNameLegacy], 256) ?? shortText(m[PROFILE_FIELD.name], 256);
}

/** What the I/O layer needs from a kind 0 for handles: the display name and the claimed (unverified) NIP-05. */
export function profileIdentity(content: string): { name?: string; nip05?: string } {
  const m = profileObject(content);
  if (typeof m === 'string') return {};
  const out: { name?: string; nip05?: string } = {};
  const name = displayNameOf(m);
  if (name) out.name = name;
  const nip05 = shortText(m[PROFILE_FIELD.nip05], 320);
  if (nip05) out.nip05 = nip05;
  return out;
}

export function profileEvents(env: Envelope): MapResult {
  const m = profileObject(env.ev.content);
  if (typeof m === 'string') return { events: [], ignored: m };
  const profile: Profile = {};
  const name = displayNameOf(m);
  if (name) profile.displayName = name;
  const about = shortText(m[PROFILE_FIELD.about], LIMITS.textLength);
  if (about) profile.summary = about;
  const image = (v: unknown) => {
    const url = httpUrl(v);
    return url ? { url, mediaType: mediaTypeFromUrl(url) ?? 'application/octet-stream' } : undefined;
  };
  const avatar = image(m[PROFILE_FIELD.picture]);
  if (avatar) profile.avatar = avatar;
  const banner = image(m[PROFILE_FIELD.banner]);
  if (banner) profile.banner = banner;
  const website = websiteUrl(m[PROFILE_FIELD.website]);
  if (website) profile.links = [{ label: PROFILE_FIELD.website, url: website }];
  const bot = m[PROFILE_FIELD.bot];
  if (typeof bot === 'boolean' || bot === 'true' || bot === 'false') profile.bot = bot === true || bot === 'true';
  return { events: [{ ...baseEvent(env, 'profile.updated', env.ev.id), profile }] };
}

/** Clients often store a website without its scheme. */
function websiteUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return httpUrl(v) ?? (/^[\w-]+(\.[\w-]+)+(\/\S*)?$/.test(v) ? httpUrl(`https://${v}`) : undefined);
}

/**
 * NIP-02 kind 3 carries the whole list, so follows and unfollows are a diff against the list seen
 * before (`ctx.previousFollows`). The first list seen makes every entry a follow.created: Pontis
 * cannot tell old follows from new ones, and the translator skips subjects it does not bridge.
 */
export function contactListEvents(env: Envelope): MapResult {
  return listDiffEvents(env, LIST_DIFF.contacts, env.ctx.previousFollows);
}

/**
 * NIP-51 kind 10000 (mute list): muting someone is how Nostr people block, so public `p` entries
 * diff into block.created / block.deleted like a follow list. Private mutes (encrypted content) are
 * never read: they are private to the person.
 */
export function muteListEvents(env: Envelope): MapResult {
  return listDiffEvents(env, LIST_DIFF.mutes, env.ctx.previousMutes);
}

const LIST_DIFF = {
  contacts: { kind: KIND.contacts, added: 'follow.created', removed: 'follow.deleted', addPart: 'follow', removePart: 'unfollow', noun: 'follow' },
  mutes: { kind: KIND.muteList, added: 'block.created', removed: 'block.deleted', addPart: 'block', removePart: 'unblock', noun: 'block' },
} as const;

function listDiffEvents(env: Envelope, spec: (typeof LIST_DIFF)[keyof typeof LIST_DIFF], previous: readonly string[] | undefined): MapResult {
  const now = [...new Set(env.tags.filter((t) => t[0] === TAG.pubkey && isHex64(t[1])).map((t) => t[1]!))];
  const before = new Set(previous ?? []);
  const current = new Set(now);
  const added = now.filter((pk) => !before.has(pk) && pk !== env.ev.pubkey);
  const removed = [...before].filter((pk) => !current.has(pk) && isHex64(pk));
  const events: BridgeEvent[] = [];
  for (const pk of added) {
    const id = listEntryId(spec.kind, env.ev.pubkey, pk);
    events.push({ ...baseEvent(env, spec.added, id, `${spec.addPart}/${pk}`), subject: { network: 'nostr', id: pk } });
  }
  for (const pk of removed) {
    const target = { network: 'nostr' as const, id: listEntryId(spec.kind, env.ev.pubkey, pk) };
    events.push({ ...baseEvent(env, spec.removed, env.ev.id, `${spec.removePart}/${pk}`), subject: { network: 'nostr', id: pk }, target });
  }
  if (events.length > MAX_LIST_CHANGES)
    return { events: events.slice(0, MAX_LIST_CHANGES), ignored: `${events.length - MAX_LIST_CHANGES} ${spec.noun} changes beyond ${MAX_LIST_CHANGES} dropped` };
  return events.length ? { events } : { events, ignored: `${spec.noun} list unchanged` };
}

const REMOVAL_BY_KIND: Record<number, EventType> = {
  [KIND.note]: 'post.deleted',
  [KIND.article]: 'post.deleted',
  [KIND.repost]: 'repost.deleted',
  [KIND.genericRepost]: 'repost.deleted',
  [KIND.reaction]: 'reaction.removed',
};

/**
 * NIP-09 kind 5: one removal per `e`/`a` target. Only the author's own events count. An `a`
 * coordinate names its author, so that check is local; for an `e` id the I/O layer's lookup
 * decides when it knows the target, and otherwise the translator must compare the object's
 * owner with the actor (README). Which removal it is comes from the target's kind: the lookup,
 * else a single `k` tag, else a post (a stray post.deleted is a no-op; a missed delete is not).
 */
export function deletionEvents(env: Envelope): MapResult {
  const { ev, tags, ctx } = env;
  const ks = [...new Set(tags.filter((t) => t[0] === TAG.kind && /^\d{1,5}$/.test(t[1] ?? '')).map((t) => Number(t[1])))];
  const events: BridgeEvent[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const t of tags) {
    if (events.length >= MAX_LIST_CHANGES) break;
    let id: string | undefined;
    let kind: number | undefined;
    if (t[0] === TAG.event && isHex64(t[1])) {
      const known = ctx.lookupEvent?.(t[1]);
      if (known && known.pubkey !== ev.pubkey) {
        skipped.push(`${t[1]} is not the author's`);
        continue;
      }
      [id, kind] = [t[1], known?.kind ?? (ks.length === 1 ? ks[0] : KIND.note)];
    } else if (t[0] === TAG.address) {
      const c = parseCoordinate(t[1]);
      if (!c) continue;
      if (c.pubkey !== ev.pubkey) {
        skipped.push(`${t[1]} is not the author's`);
        continue;
      }
      [id, kind] = [formatCoordinate(c), c.kind];
    } else continue;
    if (seen.has(id)) continue;
    seen.add(id);
    const type = REMOVAL_BY_KIND[kind!];
    if (!type) {
      skipped.push(`kind ${kind} is not bridged`);
      continue;
    }
    events.push({ ...baseEvent(env, type, ev.id, id), target: { network: 'nostr', id } });
  }
  return skipped.length || !events.length ? { events, ignored: skipped.length ? skipped.join('; ') : 'deletion names no target' } : { events };
}

/** The event a repost or reaction points at: an `a` coordinate for articles, else the last valid `e` (NIP-25: target last). */
function targetOf(tags: readonly string[][], pick: 'first' | 'last'): string | undefined {
  const a = tags.find((t) => t[0] === TAG.address && parseCoordinate(t[1]));
  if (a) return formatCoordinate(parseCoordinate(a[1])!);
  const es = tags.filter((t) => t[0] === TAG.event && isHex64(t[1]));
  return (pick === 'first' ? es[0] : es[es.length - 1])?.[1];
}

/** A `k` tag naming a kind Pontis does not bridge: the target will never be seen, so do not make the translator wait. */
function foreignKind(tags: readonly string[][]): string | undefined {
  const k = tagValue(tags, TAG.kind);
  return k !== undefined && !BRIDGED_OBJECT_KINDS.has(Number(k)) ? k : undefined;
}

/**
 * NIP-18 kind 6 (of a note) and kind 16 (generic, with `k`). The embedded JSON in a kind-6 content
 * is ignored: it is unsigned as far as we know, and the target is bridged on its own.
 */
export function repostEvents(env: Envelope): MapResult {
  const target = targetOf(env.tags, 'first');
  if (!target) return { events: [], ignored: 'repost names no event' };
  const k = env.ev.kind === KIND.genericRepost ? foreignKind(env.tags) : undefined;
  if (k) return { events: [], ignored: `repost of kind ${k} is not bridged` };
  return { events: [{ ...baseEvent(env, 'repost.created', env.ev.id), target: { network: 'nostr', id: target } }] };
}

/** Longest reaction content taken as an emoji (ZWJ family sequences with modifiers stay well under it). */
const MAX_REACTION_LENGTH = 64;

/** NIP-25 kind 7: like, dislike (not bridged: no other network has one), emoji, or NIP-30 custom emoji. */
export function reactionEvents(env: Envelope): MapResult {
  const content = wellFormed(env.ev.content).trim();
  if (content === REACTION.dislike) return { events: [], ignored: 'dislike (-) has no equivalent on the other networks' };
  const target = targetOf(env.tags, 'last');
  if (!target) return { events: [], ignored: 'reaction names no event' };
  const k = foreignKind(env.tags);
  if (k) return { events: [], ignored: `reaction to kind ${k} is not bridged` };
  if (content.length > MAX_REACTION_LENGTH) return { events: [], ignored: 'reaction content is not an emoji' };
  const reaction: { content: string; emojiUrl?: string } = { content: content === '' ? REACTION.like : content };
  const shortcode = /^:([\w-]+):$/.exec(content)?.[1];
  if (shortcode) {
    const url = httpUrl(env.tags.find((t) => t[0] === TAG.emoji && t[1] === shortcode)?.[2]);
    if (url) reaction.emojiUrl = url;
  }
  return { events: [{ ...baseEvent(env, 'reaction.added', env.ev.id), target: { network: 'nostr', id: target }, reaction }] };
}
