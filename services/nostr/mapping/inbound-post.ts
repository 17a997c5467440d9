/**
 * Kind 1 (NIP-10 note) and kind 30023 (NIP-23 article) → the contract's PostObject: threading,
 * quote, facets, attachments, content warning, title, language.
 */
import { LIMITS, type Attachment, type Facet, type ObjectRef, type PostObject } from '../../../libs/events/index.js';
import { scanContent, type Token } from './content-scan.js';
import type { InboundContext } from './context.js';
import { httpUrl, isoFromUnix, mediaTypeFromUrl, shortText, tagValue, wellFormed } from './inbound-guard.js';
import { IMETA, KIND, LANGUAGE_LABEL_NAMESPACE, MARKER, TAG, type NostrEvent } from './nostr-protocol.js';
import { formatCoordinate, isHex64, npubOf, parseCoordinate, type ContentRef } from './nostr-refs.js';

/** A referenced event with its author where the tags name one, so the translator need not wait to learn it (parent-rule.ts). */
function ref(id: string, tags: readonly string[][]): ObjectRef {
  const author = authorNamed(id, tags);
  return author ? { network: 'nostr', id, writtenBy: { network: 'nostr', id: author } } : { network: 'nostr', id };
}

/**
 * Who wrote a referenced event, where the reference says: an article's coordinate holds its
 * author; NIP-10 lets an `e` tag carry the author's pubkey fifth (`["e", id, relay, marker,
 * pubkey]`), NIP-18 a `q` tag fourth. A `p` tag alone does not say which of the thread's people
 * wrote the parent.
 */
export function authorNamed(id: string, tags: readonly string[][]): string | undefined {
  const coordinate = parseCoordinate(id);
  if (coordinate) return coordinate.pubkey;
  for (const t of tags) {
    if (t[1] !== id) continue;
    const pubkey = t[0] === TAG.event ? t[4] : t[0] === TAG.quote ? t[3] : undefined;
    if (isHex64(pubkey)) return pubkey;
  }
  return undefined;
}

/**
 * NIP-10 threading. Marked `e` tags win; without any root/reply marker the deprecated positional
 * form applies (which clients still send and NIP-10 says must parse): one `e` is the parent and the
 * root, two or more are root first and parent last, those between are mentions. A direct reply to
 * the root carries only `root`. A marked `a` tag (a reply to an article, as Amethyst writes it next
 * to the `e`) is preferred, because Pontis knows an article by its coordinate, not by one version's id.
 */
export function parseThread(tags: readonly string[][]): { root?: string; reply?: string } {
  const es = tags.filter((t) => t[0] === TAG.event && isHex64(t[1]));
  const marked = (marker: string) =>
    coordinateOf(tags.find((t) => t[0] === TAG.address && t[3] === marker)) ?? es.find((t) => t[3] === marker)?.[1];
  const [root, reply] = [marked(MARKER.root), marked(MARKER.reply)];
  if (root || reply) return { root: root ?? reply, reply: reply ?? root };
  // Only tags without any marker are positional; `mention`-marked ones never make a reply.
  const positional = es.filter((t) => t[3] === undefined || t[3] === '');
  if (positional.length === 0) return {};
  return { root: positional[0]![1], reply: positional[positional.length - 1]![1] };
}

function coordinateOf(tag: string[] | undefined): string | undefined {
  const c = parseCoordinate(tag?.[1]);
  return c ? formatCoordinate(c) : undefined;
}

/** NIP-92 `imeta`: space-separated "key value" entries; one tag per URL. */
export function parseImeta(tags: readonly string[][]): Map<string, Attachment> {
  const out = new Map<string, Attachment>();
  for (const t of tags) {
    if (t[0] !== TAG.imeta) continue;
    const fields = new Map<string, string>();
    for (const entry of t.slice(1)) {
      const sp = entry.indexOf(' ');
      if (sp > 0 && !fields.has(entry.slice(0, sp))) fields.set(entry.slice(0, sp), entry.slice(sp + 1));
    }
    const url = httpUrl(fields.get(IMETA.url));
    if (!url || out.has(url)) continue;
    const mime = shortText(fields.get(IMETA.mime), 255);
    const dim = /^(\d{1,6})x(\d{1,6})$/.exec(fields.get(IMETA.dim) ?? '');
    const size = Number(fields.get(IMETA.size));
    const a: Attachment = { url, mediaType: mime && /^[\w.+-]+\/[\w.+-]+$/.test(mime) ? mime : (mediaTypeFromUrl(url) ?? 'application/octet-stream') };
    const alt = shortText(fields.get(IMETA.alt), LIMITS.textLength);
    if (alt) a.alt = alt;
    if (dim) [a.width, a.height] = [Number(dim[1]), Number(dim[2])];
    const blurhash = shortText(fields.get(IMETA.blurhash), 200);
    if (blurhash) a.blurhash = blurhash;
    if (Number.isSafeInteger(size) && size > 0) a.sizeBytes = size;
    out.set(url, a);
  }
  return out;
}

/**
 * Characters of the npub after `npub1` when a mention has no name: the same fingerprint the
 * identity code uses for Nostr people's handles elsewhere (services/nostr/identity, `npubFingerprint`).
 */
const MENTION_FINGERPRINT_CHARS = 8;

/** How a mentioned pubkey reads in text: `@name` from the context, else `@npub1…` fingerprint (the facet carries the key). */
function mentionLabel(pubkey: string, ctx: InboundContext): string {
  const name = shortText(ctx.nameOf?.(pubkey), 64)?.replace(/\s+/g, ' ');
  return `@${name ?? npubOf(pubkey).slice(0, 'npub1'.length + MENTION_FINGERPRINT_CHARS)}`;
}

function contentRefId(r: ContentRef): string | undefined {
  if (r.type === 'event') return r.id;
  if (r.type === 'address') return formatCoordinate(r.coordinate);
  return undefined;
}

interface TextResult {
  text: string;
  facets: Facet[];
  quote?: string;
  media: string[];
}

/**
 * Rewrites the content into the contract's text and facets. In notes, what the contract carries
 * as structure leaves the text: the quoted event's `nostr:` reference (→ `object.quote`) and media
 * URLs (→ attachments), since every target renders those itself; `render` puts them back at the end.
 * Articles are Markdown, where a URL is part of the syntax, so nothing is removed from them.
 */
function buildText(content: string, quoteTag: string | undefined, imeta: Map<string, Attachment>, strip: boolean, ctx: InboundContext): TextResult {
  const facets: Facet[] = [];
  const media: string[] = [];
  let quote = quoteTag;
  let out = '';
  let pos = 0;
  let removed = false;
  let afterRemoval = false;
  const copy = (segment: string) => {
    // A removed token takes its surrounding blank with it, so no double spaces or empty lines remain.
    if (afterRemoval && (out === '' || out.endsWith('\n'))) segment = segment.replace(/^\s+/, '');
    out += segment;
    if (segment) afterRemoval = false;
  };
  const remove = () => {
    out = out.replace(/[ \t]+$/, '');
    removed = afterRemoval = true;
  };
  const emit = (t: Token, shown: string, facet: Omit<Facet, 'start' | 'end'>) => {
    copy(content.slice(pos, t.start));
    facets.push({ ...facet, start: out.length, end: out.length + shown.length } as Facet);
    out += shown;
    afterRemoval = false;
  };
  for (const t of scanContent(content)) {
    if (t.type === 'ref' && t.ref.type === 'profile') {
      emit(t, mentionLabel(t.ref.pubkey, ctx), { kind: 'mention', actor: { network: 'nostr', id: t.ref.pubkey } });
    } else if (t.type === 'ref') {
      const id = contentRefId(t.ref)!;
      // NIP-18 quotes without a `q` tag (older clients): in a note, the first event reference is the quote.
      if (strip) quote ??= id;
      if (strip && id === quote) {
        copy(content.slice(pos, t.start));
        remove();
      } else emit(t, content.slice(t.start, t.end), { kind: 'link', url: ctx.permalink?.(t.bech32) ?? content.slice(t.start, t.end) });
    } else if (t.type === 'url') {
      if (strip && (imeta.has(t.url) || mediaTypeFromUrl(t.url)) && media.length < LIMITS.attachments) {
        media.push(t.url);
        copy(content.slice(pos, t.start));
        remove();
      } else emit(t, t.url, { kind: 'link', url: t.url });
    } else {
      emit(t, content.slice(t.start, t.end), { kind: 'tag', tag: t.tag });
    }
    pos = t.end;
  }
  copy(content.slice(pos));
  if (removed) out = out.trimEnd();
  return { text: out, facets, quote, media };
}

/** Builds the PostObject of a kind-1 note or a kind-30023 article. `tags` are already cleaned. */
export function postFromEvent(ev: NostrEvent, tags: string[][], ctx: InboundContext): PostObject {
  const article = ev.kind === KIND.article;
  const imeta = parseImeta(tags);
  const qTag = tags.find((t) => t[0] === TAG.quote && (isHex64(t[1]) || parseCoordinate(t[1])))?.[1];
  const { text, facets, quote, media } = buildText(wellFormed(ev.content), qTag, imeta, !article, ctx);

  const attachments: Attachment[] = [];
  const seen = new Set<string>();
  const attach = (url: string | undefined) => {
    if (!url || seen.has(url) || attachments.length >= LIMITS.attachments) return;
    seen.add(url);
    attachments.push(imeta.get(url) ?? { url, mediaType: mediaTypeFromUrl(url) ?? 'application/octet-stream' });
  };
  if (article) attach(httpUrl(tagValue(tags, TAG.image)));
  media.forEach(attach);
  // NIP-92 says an imeta URL must appear in content; when a client forgot it, keep the media anyway.
  if (!article) [...imeta.keys()].forEach(attach);

  const cw = tags.find((t) => t[0] === TAG.contentWarning);
  const published = Number(tagValue(tags, TAG.publishedAt));
  const publishedAt = article && Number.isSafeInteger(published) && published > 0 && published <= ev.created_at ? published : ev.created_at;

  const object: PostObject = {
    kind: article ? 'article' : 'note',
    text,
    facets: facets.slice(0, LIMITS.facets),
    attachments,
    sensitive: cw !== undefined,
    visibility: 'public', // kind 1 and 30023 are public by definition; DMs are other kinds
    publishedAt: isoFromUnix(publishedAt),
  };
  if (publishedAt !== ev.created_at) object.updatedAt = isoFromUnix(ev.created_at);
  // NIP-14 `subject` is the closest a note has to a title; NIP-23 articles have `title`.
  const title = shortText(tagValue(tags, article ? TAG.title : TAG.subject), 1000);
  if (title) object.title = title;
  const warning = shortText(cw?.[1], 1000);
  if (warning) object.contentWarning = warning;
  const language = tags.find((t) => t[0] === TAG.label && t[2] === LANGUAGE_LABEL_NAMESPACE && /^[a-z]{2,3}$/.test(t[1] ?? ''))?.[1];
  if (language) object.language = language;
  if (!article) {
    const { root, reply } = parseThread(tags);
    if (reply) object.replyTo = ref(reply, tags);
    if (root) object.threadRoot = ref(root, tags);
  }
  if (quote) object.quote = ref(quote, tags);
  return object;
}
