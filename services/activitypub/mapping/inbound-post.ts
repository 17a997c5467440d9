/**
 * A Note, Article, Page or Question → the normalized post. Content is sanitized first; text and
 * facets come from the sanitized HTML, with Mention/Hashtag tags deciding what an anchor is.
 */
import type { Attachment, Facet, PostObject, Visibility } from '../../../libs/events/index.js';
import { asArray, audience, hasType, idOf, isHttpUrl, isObject, isoTime, PUBLIC_ALIASES, str, type AsObject } from './as2.js';
import { MAX_HTML_LENGTH, sanitize } from './html-sanitize.js';
import { htmlToText, type AnchorInfo } from './html-text.js';

const MAX_ATTACHMENTS = 20;
const MAX_OPTIONS = 50;

export function visibilityOf(o: AsObject, actorFollowers: string | undefined): Visibility {
  const { to, cc } = audience(o);
  if (to.some((t) => PUBLIC_ALIASES.has(t))) return 'public';
  if (cc.some((t) => PUBLIC_ALIASES.has(t))) return 'unlisted';
  const followers = (t: string) => t === actorFollowers || t.endsWith('/followers');
  if ([...to, ...cc].some(followers)) return 'followers';
  return 'direct';
}

/** The content in the declared language when only `contentMap` is present (GoToSocial, Pleroma). */
function contentAndLanguage(o: AsObject): { html: string; language?: string } {
  const map = isObject(o.contentMap) ? Object.entries(o.contentMap).filter(([k, v]) => typeof v === 'string' && /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/.test(k)) : [];
  const language = map[0]?.[0];
  const html = typeof o.content === 'string' ? o.content : ((map[0]?.[1] as string | undefined) ?? '');
  return language ? { html, language } : { html };
}

function tagIndex(o: AsObject) {
  const mentions = new Map<string, string | undefined>();
  const hashtags = new Map<string, string>();
  for (const t of asArray(o.tag)) {
    if (!isObject(t)) continue;
    const href = typeof t.href === 'string' ? t.href : undefined;
    const name = typeof t.name === 'string' ? t.name : undefined;
    if (hasType(t, 'Mention') && href) mentions.set(href, name);
    if (hasType(t, 'Hashtag') && name) hashtags.set(name.replace(/^#/, '').toLowerCase(), href ?? '');
  }
  return { mentions, hashtags };
}

export function handleFromName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const h = name.startsWith('@') ? name : `@${name}`;
  return /^@[^@\s]{1,200}@[^@\s]{1,253}$/.test(h) ? h : undefined;
}

function classifier(o: AsObject) {
  const { mentions, hashtags } = tagIndex(o);
  return (a: AnchorInfo): Omit<Facet, 'start' | 'end'> | undefined => {
    if (!isHttpUrl(a.href)) return undefined;
    if (mentions.has(a.href) || (a.classes.includes('mention') && !a.classes.includes('hashtag') && a.text.startsWith('@'))) {
      const handle = handleFromName(mentions.get(a.href));
      return { kind: 'mention', actor: { network: 'activitypub', id: a.href, ...(handle ? { handle } : {}) } };
    }
    const tag = a.text.startsWith('#') ? a.text.slice(1) : undefined;
    if (tag && (a.rel.includes('tag') || a.classes.includes('hashtag') || hashtags.has(tag.toLowerCase())) && /^[\p{L}\p{M}\p{N}_]{1,100}$/u.test(tag)) return { kind: 'tag', tag };
    return { kind: 'link', url: a.href };
  };
}

function mediaUrl(v: unknown): { url?: string; mediaType?: string } {
  for (const u of asArray(v)) {
    if (typeof u === 'string' && isHttpUrl(u)) return { url: u };
    if (isObject(u) && typeof u.href === 'string' && isHttpUrl(u.href)) return { url: u.href, ...(typeof u.mediaType === 'string' ? { mediaType: u.mediaType } : {}) };
  }
  return {};
}

const DEFAULT_MEDIA_TYPE: Record<string, string> = { Image: 'image/*', Video: 'video/*', Audio: 'audio/*' };

export function attachmentOf(a: unknown): Attachment | undefined {
  if (!isObject(a) || hasType(a, 'PropertyValue', 'Link', 'Hashtag', 'Mention')) return undefined;
  const { url, mediaType: linkType } = mediaUrl(a.url);
  if (!url) return undefined;
  const mediaType = str(a.mediaType, 200) ?? linkType ?? DEFAULT_MEDIA_TYPE[asArray(a.type).find((t) => typeof t === 'string' && t in DEFAULT_MEDIA_TYPE) as string] ?? 'application/octet-stream';
  const att: Attachment = { url, mediaType };
  const alt = str(a.name, 5000) ?? str(a.summary, 5000);
  if (alt?.trim()) att.alt = alt.trim();
  const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 100_000 ? v : undefined);
  const width = num(a.width), height = num(a.height);
  if (width) att.width = width;
  if (height) att.height = height;
  const blurhash = str(a.blurhash, 200);
  if (blurhash) att.blurhash = blurhash;
  return att;
}

/** FEP-044f `quote`, then the older spellings (Misskey `_misskey_quote`, Fedibird `quoteUri`, Pleroma/Akkoma `quoteUrl`). */
export function quoteOf(o: AsObject): string | undefined {
  for (const k of ['quote', 'quoteUri', '_misskey_quote', 'quoteUrl']) {
    const id = idOf(o[k]);
    if (id) return id;
  }
  return undefined;
}

/** Misskey ends a quote's text with `RE: <url>` (Mastodon's is a `quote-inline` paragraph, removed when sanitizing). */
function dropQuoteFallback(text: string, facets: Facet[], quoteId: string): { text: string; facets: Facet[] } {
  const m = /\s*RE:\s*(\S+)\s*$/.exec(text);
  if (!m || m[1] !== quoteId) return { text, facets };
  return { text: text.slice(0, m.index), facets: facets.filter((f) => f.end <= m.index) };
}

function pollOptions(o: AsObject): string[] {
  return [...asArray(o.oneOf), ...asArray(o.anyOf)]
    .map((c) => (isObject(c) ? str(c.name, 500) : undefined))
    .filter((n): n is string => !!n?.trim())
    .slice(0, MAX_OPTIONS);
}

export type PostResult = { post: PostObject } | { problem: string };

export function postFromObject(o: AsObject, actorFollowers: string | undefined, fallbackTime: string, threadRootOf?: (parentId: string) => string | undefined): PostResult {
  const { html: raw, language } = contentAndLanguage(o);
  if (raw.length > MAX_HTML_LENGTH) return { problem: `content longer than ${MAX_HTML_LENGTH} characters` };
  const html = sanitize(raw);
  let { text, facets } = htmlToText(html, classifier(o));
  const article = hasType(o, 'Article', 'Page');
  const question = hasType(o, 'Question');
  const options = question ? pollOptions(o) : [];
  if (question && options.length) {
    // A poll becomes text other networks can show: the question, then one option per line.
    text = `${text}${text ? '\n\n' : ''}${options.map((opt) => `○ ${opt}`).join('\n')}`;
  }
  const quoteId = quoteOf(o);
  if (quoteId) ({ text, facets } = dropQuoteFallback(text, facets, quoteId));
  const attachments = asArray(o.attachment).map(attachmentOf).filter((a): a is Attachment => !!a).slice(0, MAX_ATTACHMENTS);
  const summary = str(o.summary, 5000)?.trim();
  const sensitive = o.sensitive === true;
  const post: PostObject = {
    kind: article ? 'article' : question ? 'question' : 'note',
    text,
    facets,
    attachments,
    sensitive: sensitive || (!article && !!summary),
    visibility: visibilityOf(o, actorFollowers),
    publishedAt: isoTime(o.published) ?? fallbackTime,
  };
  if (html) post.html = html;
  if (language) post.language = language;
  const title = article ? str(o.name, 1000)?.trim() : undefined;
  if (title) post.title = title;
  // Mastodon's content warning is `summary` on a Note; on an Article it is an abstract.
  if (summary && (!article || sensitive)) post.contentWarning = summary;
  const replyTo = idOf(o.inReplyTo);
  if (replyTo) {
    post.replyTo = { network: 'activitypub', id: replyTo };
    const author = embeddedAuthor(o.inReplyTo, replyTo);
    if (author) post.replyTo.writtenBy = { network: 'activitypub', id: author };
  }
  const root = replyTo ? threadRootOf?.(replyTo) : undefined;
  if (root) post.threadRoot = { network: 'activitypub', id: root };
  if (quoteId) post.quote = { network: 'activitypub', id: quoteId };
  if (options.length) post.options = options;
  const url = pageUrl(o);
  if (url) post.url = url;
  const updated = isoTime(o.updated);
  if (updated) post.updatedAt = updated;
  return { post };
}

/**
 * The author of an embedded parent (`inReplyTo` as an object, as some servers send it), when it
 * lives on the parent's own server: a claim from another host could otherwise make a reply skip
 * the wait for its parent. Only ever used for a parent the bridge has not seen (parent-rule.ts).
 */
function embeddedAuthor(parent: unknown, parentId: string): string | undefined {
  if (!isObject(parent)) return undefined;
  const author = idOf(parent.attributedTo);
  return author && new URL(author).host === new URL(parentId).host ? author : undefined;
}

/** The human-facing page: a plain `url`, or the text/html Link among several (not a FEP-fffd canonical). */
export function pageUrl(o: AsObject): string | undefined {
  for (const u of asArray(o.url)) {
    if (typeof u === 'string' && isHttpUrl(u)) return u;
    if (isObject(u) && typeof u.href === 'string' && isHttpUrl(u.href) && !asArray(u.rel).includes('canonical') && (!u.mediaType || u.mediaType === 'text/html')) return u.href;
  }
  return undefined;
}
