/**
 * post.created / post.updated → kind 1 (NIP-10) or kind 30023 (NIP-23). Content is plain text:
 * mentions become `nostr:npub…` (NIP-27), links their full URL, and what the contract carries as
 * structure (quote, media) is appended, as Nostr clients expect it in the text (NIP-18, NIP-92).
 */
import { createHash } from 'node:crypto';
import { CORRECTION_PREFIX } from '../../../libs/adapter/edit-fallback.js';
import { actorKey, type Facet, type MappedRef, type OutboundCommand, type PostObject } from '../../../libs/events/index.js';
import type { RenderContext, RenderResult } from './context.js';
import { IMETA, KIND, LANGUAGE_LABEL_NAMESPACE, MARKER, NOSTR_URI_PREFIX, TAG, type NostrTemplate } from './nostr-protocol.js';
import { addTag, createdAt, provenanceTags, trimTag } from './outbound-common.js';
import { bech32ForObject, isHex64, npubOf, parseCoordinate, kindOfObjectId } from './nostr-refs.js';

/** First line of a correction note (post.updated of a kind-1 copy): the edit fallback, see README. */
export const EDIT_PREFIX = CORRECTION_PREFIX;

/** Where the thread tags of a rendered note point. */
interface Thread {
  root?: MappedRef;
  reply?: MappedRef;
}

export function renderPostCreated(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const object = command.event.object!;
  if (object.kind === 'article') return { templates: [article(command, object, identifierFor(command.event.source.id), ctx)] };
  return { templates: [note(command, object, { root: command.refs.threadRoot ?? command.refs.replyTo, reply: command.refs.replyTo }, '', ctx)] };
}

/**
 * Articles are addressable, so an edit replaces the copy in place (same `d`). A kind-1 copy cannot
 * change (its id is its hash): the edit becomes a correction note replying to it. Chosen over
 * NIP-09 delete + new note because a deletion is only a request relays may ignore (leaving two
 * versions), and the new note would have a new id, orphaning the replies and reactions Nostr users
 * made to the copy and changing the copy's id in the object map. Bridgy Fed likewise does not
 * send note edits to Nostr (reference/bridgy-fed.md: "Nostr updates only profiles and articles").
 */
export function renderPostUpdated(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const object = command.event.object!;
  const target = command.refs.target;
  if (!target) return { templates: [], skipped: 'the updated post has no copy on nostr' };
  const coordinate = parseCoordinate(target.id);
  if (coordinate?.kind === KIND.article) return { templates: [article(command, object, coordinate.identifier, ctx)] };
  if (!isHex64(target.id)) return { templates: [], skipped: `cannot edit nostr object ${target.id}` };
  const thread = { root: command.refs.threadRoot ?? command.refs.replyTo ?? target, reply: target };
  return { templates: [note(command, { ...object, title: undefined }, thread, `${EDIT_PREFIX}\n\n`, ctx)] };
}

/** A stable NIP-23 `d` for an article bridged from elsewhere: short (naddr TLVs hold 255 bytes) and the same on every version. */
export function identifierFor(sourceId: string): string {
  return createHash('sha256').update(sourceId).digest('hex').slice(0, 32);
}

function note(command: OutboundCommand, object: PostObject, thread: Thread, prefix: string, ctx: RenderContext): NostrTemplate {
  const tags: string[][] = [];
  threadTags(tags, thread, ctx);
  const content = prefix + body(command, object, tags, ctx);
  if (object.title) tags.push([TAG.subject, object.title]); // NIP-14
  commonTags(command, object, tags);
  return { kind: KIND.note, created_at: createdAt(command, ctx), tags, content };
}

function article(command: OutboundCommand, object: PostObject, identifier: string, ctx: RenderContext): NostrTemplate {
  const tags: string[][] = [[TAG.identifier, identifier]];
  if (object.title) tags.push([TAG.title, object.title]);
  tags.push([TAG.publishedAt, String(Math.floor(Date.parse(object.publishedAt) / 1000))]);
  const image = object.attachments.find((a) => a.mediaType.startsWith('image/'));
  if (image) tags.push([TAG.image, image.url]);
  const content = body(command, object, tags, ctx);
  commonTags(command, object, tags);
  return { kind: KIND.article, created_at: createdAt(command, ctx), tags, content };
}

/** NIP-10 marked `e` tags (a direct reply to the root carries only `root`), plus the authors as `p`. */
function threadTags(tags: string[][], thread: Thread, ctx: RenderContext): void {
  const refs = thread.root && thread.reply && thread.root.id === thread.reply.id ? [[thread.root, MARKER.root] as const] : [
    ...(thread.root ? [[thread.root, MARKER.root] as const] : []),
    ...(thread.reply ? [[thread.reply, MARKER.reply] as const] : []),
  ];
  for (const [ref, marker] of refs) {
    const c = parseCoordinate(ref.id);
    const author = c?.pubkey ?? ctx.authorOf?.(ref.id);
    // A reply to an article: NIP-10 covers kind 1 only, so point at it with an `a` tag, as clients do.
    tags.push(trimTag([c ? TAG.address : TAG.event, ref.id, ctx.relayHint?.(ref.id), marker, c ? undefined : author]));
    if (author && isHex64(author)) addTag(tags, [TAG.pubkey, author]);
  }
}

/** The text with facets rewritten for Nostr, then the quote, media and source link appended. */
function body(command: OutboundCommand, object: PostObject, tags: string[][], ctx: RenderContext): string {
  let text = rewriteFacets(command, object, tags);
  const extra: string[] = [];
  const quote = command.refs.quote;
  if (quote) {
    const author = parseCoordinate(quote.id)?.pubkey ?? ctx.authorOf?.(quote.id);
    const relay = ctx.relayHint?.(quote.id);
    tags.push(trimTag([TAG.quote, quote.id, relay, isHex64(quote.id) ? author : undefined])); // NIP-18
    if (author && isHex64(author)) addTag(tags, [TAG.pubkey, author]);
    const ref = bech32ForObject(quote.id, { relay, author, kind: kindOfObjectId(quote.id) });
    if (ref && !text.includes(ref)) extra.push(NOSTR_URI_PREFIX + ref);
  } else if (object.quote) {
    // The quoted post never reached Nostr: fall back to a link to it (translator: "the adapter's link fallback").
    const url = object.quote.url ?? (/^https?:\/\//.test(object.quote.id) ? object.quote.id : undefined);
    if (url && !text.includes(url)) extra.push(url);
  }
  for (const a of object.attachments) {
    // NIP-92: one imeta per URL, and the URL must appear in the content.
    const imeta = [TAG.imeta, `${IMETA.url} ${a.url}`, `${IMETA.mime} ${a.mediaType}`];
    if (a.alt) imeta.push(`${IMETA.alt} ${a.alt}`);
    if (a.width && a.height) imeta.push(`${IMETA.dim} ${a.width}x${a.height}`);
    if (a.blurhash) imeta.push(`${IMETA.blurhash} ${a.blurhash}`);
    if (a.sizeBytes) imeta.push(`${IMETA.size} ${a.sizeBytes}`);
    tags.push(imeta);
    if (!text.includes(a.url)) extra.push(a.url);
  }
  const link = object.url ?? command.event.source.url;
  if (link && command.event.source.network !== 'nostr') {
    tags.push([TAG.reference, link]);
    if (ctx.linkInContent && !text.includes(link)) extra.push(link);
  }
  if (extra.length) text = text ? `${text}\n\n${extra.join('\n')}` : extra.join('\n');
  return text;
}

/**
 * Mentions with a Nostr identity become `nostr:npub…` plus a `p` tag (NIP-27); unmapped ones stay
 * as written. Links show their full URL (a shortened label would hide it: content has no markup).
 * Hashtags stay in the text and get a lowercase `t` tag (NIP-24). Overlapping facets are skipped.
 */
function rewriteFacets(command: OutboundCommand, object: PostObject, tags: string[][]): string {
  const text = object.text;
  const facets = [...object.facets].filter((f) => f.start >= 0 && f.end <= text.length && f.start < f.end).sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const f of facets) {
    if (f.start < pos) continue;
    const replacement = facetText(command, f, text.slice(f.start, f.end), tags);
    out += text.slice(pos, f.start) + replacement;
    pos = f.end;
  }
  return out + text.slice(pos);
}

function facetText(command: OutboundCommand, f: Facet, shown: string, tags: string[][]): string {
  if (f.kind === 'mention' && f.actor) {
    const pubkey = command.actors[actorKey(f.actor)]?.id;
    if (!isHex64(pubkey)) return shown;
    addTag(tags, [TAG.pubkey, pubkey]);
    return NOSTR_URI_PREFIX + npubOf(pubkey);
  }
  if (f.kind === 'link' && f.url) return f.url;
  if (f.kind === 'tag' && f.tag) addTag(tags, [TAG.hashtag, f.tag.toLowerCase()]);
  return shown;
}

/** NIP-36 content warning, NIP-32 language label, provenance. */
function commonTags(command: OutboundCommand, object: PostObject, tags: string[][]): void {
  if (object.contentWarning) tags.push([TAG.contentWarning, object.contentWarning]);
  else if (object.sensitive) tags.push([TAG.contentWarning]);
  if (object.language) {
    const lang = object.language.split('-')[0]!.toLowerCase();
    tags.push([TAG.labelNamespace, LANGUAGE_LABEL_NAMESPACE], [TAG.label, lang, LANGUAGE_LABEL_NAMESPACE]);
  }
  tags.push(...provenanceTags(command, proxyIdFor(command)));
}

/** NIP-48 ids must be unique: an atproto record edit keeps its URI, so the version (CID) tells the edit apart. */
function proxyIdFor(command: OutboundCommand): string {
  const { source, target } = command.event;
  if (command.event.type === 'post.updated' && target && source.id === target.id) return `${source.id}#${source.cid ?? command.event.occurredAt}`;
  return source.id;
}
