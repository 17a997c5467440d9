/**
 * A normalized post → a Note (or Article) we publish: HTML with Mastodon's mention and hashtag
 * markup, Mention/Hashtag tags, attachments with alt text, content warning, reply, FEP-044f quote
 * (with the older `quoteUri`/`_misskey_quote`/`quoteUrl` and an inline "RE:" link for servers that
 * show none of them), and FEP-fffd provenance back to the original.
 */
import { noteEncode } from 'nostr-tools/nip19';
import { actorKey, type BridgeEvent, type Facet, type OutboundCommand, type PostObject } from '../../../libs/events/index.js';
import { AS_PUBLIC, type AsObject } from './as2.js';
import type { Delivery } from './context.js';
import { escapeHtml } from './html-text.js';
import { followersUrl, tagUrl } from './ids.js';
import { PROXY_PROTOCOLS } from './provenance.js';

interface MentionTarget {
  id: string;
  handle: string;
}

/** `@user@host` from whatever handle form the translator has (`user@host`, `@user@host`). */
function apHandle(handle: string | undefined, id: string): string {
  if (handle) return handle.startsWith('@') ? handle : `@${handle}`;
  try {
    const u = new URL(id);
    return `@${u.pathname.split('/').filter(Boolean).pop() ?? 'someone'}@${u.host}`;
  } catch {
    return '@someone';
  }
}

function mentionTargets(command: OutboundCommand): Map<Facet, MentionTarget> {
  const out = new Map<Facet, MentionTarget>();
  for (const f of command.event.object?.facets ?? []) {
    if (f.kind !== 'mention' || !f.actor) continue;
    const mapped = f.actor.network === 'activitypub' ? { id: f.actor.id, handle: f.actor.handle } : command.actors[actorKey(f.actor)];
    if (mapped?.id) out.set(f, { id: mapped.id, handle: apHandle(mapped.handle, mapped.id) });
  }
  return out;
}

/** Paragraphs on blank lines, `<br>` on single newlines, anchors where the facets are. */
export function postHtml(post: PostObject, baseUrl: string, mentions: Map<Facet, MentionTarget>): string {
  const text = post.text;
  const facets = [...post.facets].filter((f) => f.start >= 0 && f.end <= text.length && f.end > f.start).sort((a, b) => a.start - b.start);
  let html = '';
  let at = 0;
  for (const f of facets) {
    if (f.start < at) continue; // overlapping facets: the first wins
    html += escapeHtml(text.slice(at, f.start));
    const label = text.slice(f.start, f.end);
    const m = mentions.get(f);
    if (f.kind === 'mention' && m) {
      const [, user] = m.handle.split('@');
      html += `<span class="h-card"><a href="${escapeHtml(m.id)}" class="u-url mention">@<span>${escapeHtml(user ?? label)}</span></a></span>`;
    } else if (f.kind === 'tag' && f.tag) {
      html += `<a href="${escapeHtml(tagUrl(baseUrl, f.tag))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(f.tag)}</span></a>`;
    } else if (f.kind === 'link' && f.url && /^https?:\/\//.test(f.url)) {
      html += `<a href="${escapeHtml(f.url)}" rel="nofollow noopener noreferrer">${escapeHtml(label)}</a>`;
    } else {
      html += escapeHtml(label);
    }
    at = f.end;
  }
  html += escapeHtml(text.slice(at));
  return html
    .split(/\n{2,}/)
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** FEP-fffd: where the original lives (`rel: canonical`) and the older `proxyOf` form. */
export function provenance(event: BridgeEvent): { url: AsObject[]; proxyOf: AsObject[] } {
  const src = event.source;
  const page = event.object?.url ?? src.url;
  const canonical = canonicalHref(src.network, src.id);
  const url: AsObject[] = [];
  if (page) url.push({ type: 'Link', mediaType: 'text/html', href: page });
  if (canonical) url.push({ type: 'Link', rel: 'canonical', href: canonical });
  const proxyOf = canonical ? [{ protocol: PROXY_PROTOCOLS[src.network], proxied: canonical, authoritative: true }] : [];
  return { url, proxyOf };
}

function canonicalHref(network: BridgeEvent['source']['network'], id: string): string | undefined {
  if (network === 'activitypub') return undefined;
  if (network === 'nostr') return /^[0-9a-f]{64}$/.test(id) ? `nostr:${noteEncode(id)}` : `nostr:${id}`;
  return id;
}

export function addressing(visibility: PostObject['visibility'], actorId: string, mentioned: string[]): { to: string[]; cc: string[] } {
  const followers = followersUrl(actorId);
  switch (visibility) {
    case 'public':
      return { to: [AS_PUBLIC], cc: [followers, ...mentioned] };
    case 'unlisted':
      return { to: [followers], cc: [AS_PUBLIC, ...mentioned] };
    case 'followers':
      return { to: [followers], cc: mentioned };
    case 'direct':
      return { to: mentioned, cc: [] };
  }
}

export function renderPostObject(command: OutboundCommand, ctx: { baseUrl: string; authorOf?: (id: string) => string | undefined; threadRootOf?: (id: string) => string | undefined }, objectId: string, actorId: string): { object: AsObject; delivery: Delivery } {
  const event = command.event;
  const post = event.object!;
  const mentions = mentionTargets(command);
  const replyTo = command.refs.replyTo?.id;
  // Mastodon reads only inReplyTo; the root rides along as `context` for the next hop (thread-root.ts).
  const root = replyTo ? (command.refs.threadRoot?.id ?? ctx.threadRootOf?.(replyTo)) : undefined;
  const quote = command.refs.quote?.id;
  const replyAuthor = replyTo ? ctx.authorOf?.(replyTo) : undefined;
  const quoteAuthor = quote ? ctx.authorOf?.(quote) : undefined;
  const mentioned = [...new Set([...[...mentions.values()].map((m) => m.id), ...(replyAuthor ? [replyAuthor] : []), ...(quoteAuthor ? [quoteAuthor] : [])])].filter((id) => id !== actorId);
  let content = postHtml(post, ctx.baseUrl, mentions);
  if (quote) {
    // FEP-044f renderers hide this paragraph (class quote-inline); older ones show the link.
    content += `<p class="quote-inline"><br>RE: <a href="${escapeHtml(quote)}">${escapeHtml(quote)}</a></p>`;
  } else if (post.quote && !command.refs.quote) {
    const fallback = post.quote.url ?? (post.quote.id.startsWith('http') ? post.quote.id : undefined);
    if (fallback) content += `<p><a href="${escapeHtml(fallback)}">${escapeHtml(fallback)}</a></p>`;
  }
  const tag: AsObject[] = [];
  for (const m of mentions.values()) tag.push({ type: 'Mention', href: m.id, name: m.handle });
  for (const f of post.facets) if (f.kind === 'tag' && f.tag) tag.push({ type: 'Hashtag', href: tagUrl(ctx.baseUrl, f.tag), name: `#${f.tag}` });
  const { to, cc } = addressing(post.visibility, actorId, mentioned);
  const { url, proxyOf } = provenance(event);
  const object: AsObject = {
    id: objectId,
    type: post.kind === 'article' ? 'Article' : 'Note',
    attributedTo: actorId,
    content,
    ...(post.language ? { contentMap: { [post.language]: content } } : {}),
    ...(post.kind === 'article' && post.title ? { name: post.title } : {}),
    ...(post.contentWarning ? { summary: post.contentWarning } : {}),
    sensitive: post.sensitive || !!post.contentWarning,
    ...(replyTo ? { inReplyTo: replyTo } : {}),
    ...(root ? { context: root } : {}),
    ...(quote ? { quote, quoteUri: quote, _misskey_quote: quote, quoteUrl: quote } : {}),
    published: post.publishedAt,
    ...(post.updatedAt ? { updated: post.updatedAt } : {}),
    to,
    cc,
    tag,
    attachment: post.attachments.map((a) => ({
      type: a.mediaType.startsWith('image/') ? 'Image' : a.mediaType.startsWith('video/') ? 'Video' : a.mediaType.startsWith('audio/') ? 'Audio' : 'Document',
      mediaType: a.mediaType,
      url: a.url,
      ...(a.alt ? { name: a.alt } : {}),
      ...(a.width ? { width: a.width } : {}),
      ...(a.height ? { height: a.height } : {}),
      ...(a.blurhash ? { blurhash: a.blurhash } : {}),
    })),
    ...(url.length ? { url } : {}),
    ...(proxyOf.length ? { proxyOf } : {}),
  };
  return { object, delivery: { followers: post.visibility !== 'direct', actors: mentioned } };
}
