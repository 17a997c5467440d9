import { EVENT_SCHEMA_VERSION, type Attachment, type BridgeEvent, type Facet, type ObjectRef, type PostObject, type Visibility } from '../../../libs/events/index.js';
import { AS2_PUBLIC, GENERATOR_NAME, QUOTE_REL, type As2Object } from './as2.js';
import type { InboundContext, InboundResource, MapResult, ResourceKind } from './context.js';
import { cleanHtml, htmlToText } from './html.js';
import { readAs2 } from './jsonld-read.js';

const POST_TYPES = new Set(['Note', 'Article', 'Question']);
const MAX_TEXT = 100_000;

/**
 * A resource found in a watched outbox or inbox, as events. Never throws: what cannot be used
 * comes back as `ignored` with the reason (a malformed body, a foreign author, our own copy).
 */
export function toEvents(res: InboundResource, ctx: InboundContext): MapResult {
  const read = readAs2(res.body, res.url);
  if (!read.ok) return { events: [], ignored: read.reason };
  let o = read.object;
  if (isOurs(o)) return { events: [], ignored: 'written by the bridge (a copy)' };
  const type = typeOf(o);
  // An inbox notification of a reply wraps the note in a Create: the note is what we bridge.
  if (type === 'Create' && o.object && typeof o.object === 'object') o = { ...(o.object as As2Object), actor: o.actor, attributedTo: (o.object as As2Object).attributedTo ?? o.actor };
  const kind = kindOf(typeOf(o));
  if (!kind) return { events: [], ignored: `type ${JSON.stringify(o.type)} is not bridged` };
  const author = idOf(kind === 'post' ? (o.attributedTo ?? o.actor) : (o.actor ?? o.attributedTo));
  if (!author) return { events: [], ignored: 'no author (attributedTo/actor)' };
  if (res.folder === 'outbox' && author !== ctx.owner.webId) return { events: [], ignored: `attributed to ${author}, not to the pod owner ${ctx.owner.webId}` };
  if (res.folder === 'inbox' && author === ctx.owner.webId) return { events: [], ignored: 'the owner’s own activity in their inbox' };

  const source: ObjectRef = { network: 'solid', id: res.url, url: res.url };
  const actor = { network: 'solid' as const, id: author };
  const trace = { origin: 'solid' as const, hops: 0 };
  const occurredAt = isoOr(o.updated, isoOr(o.published, new Date(0).toISOString()));
  const base = { v: EVENT_SCHEMA_VERSION, occurredAt, source, actor, trace };

  if (kind === 'post') {
    const object = postOf(o, res);
    if (typeof object === 'string') return { events: [], ignored: object, kind };
    const updated = ctx.previous !== undefined;
    if (updated && ctx.previous?.etag && ctx.previous.etag === res.etag) return { events: [], ignored: 'unchanged', kind };
    const event: BridgeEvent = updated
      ? { ...base, id: `solid:${res.url}@${res.etag ?? occurredAt}`, type: 'post.updated', object: { ...object, updatedAt: occurredAt }, target: { network: 'solid', id: res.url } }
      : { ...base, id: `solid:${res.url}`, type: 'post.created', object };
    return { events: [event], kind };
  }
  // A like, repost or follow is not edited: a second sighting is nothing new.
  if (ctx.previous !== undefined) return { events: [], ignored: 'unchanged', kind };
  const target = idOf(o.object);
  if (kind === 'follow') {
    if (!target || !/^https?:\/\//.test(target)) return { events: [], ignored: 'follow without a WebID to follow', kind };
    return { events: [{ ...base, id: `solid:${res.url}`, type: 'follow.created', subject: { network: 'solid', id: target } }], kind };
  }
  if (!target || !/^https?:\/\//.test(target)) return { events: [], ignored: `${kind} without an object URL`, kind };
  const targetRef: ObjectRef = { network: 'solid', id: target };
  if (kind === 'reaction') {
    const content = typeof o.content === 'string' && o.content.trim() ? htmlToText(o.content).slice(0, 64) : '+';
    return { events: [{ ...base, id: `solid:${res.url}`, type: 'reaction.added', target: targetRef, reaction: { content } }], kind };
  }
  return { events: [{ ...base, id: `solid:${res.url}`, type: 'repost.created', target: targetRef }], kind };
}

/** A resource that disappeared from a watched container (seen by reconciliation or a Remove notification). */
export function removalEvent(r: { url: string; kind: ResourceKind; author: string; subject?: string | null }, at: string): BridgeEvent {
  const type = r.kind === 'post' ? 'post.deleted' : r.kind === 'reaction' ? 'reaction.removed' : r.kind === 'follow' ? 'follow.deleted' : 'repost.deleted';
  return {
    ...(r.kind === 'follow' && r.subject ? { subject: { network: 'solid' as const, id: r.subject } } : {}),
    v: EVENT_SCHEMA_VERSION,
    id: `solid:${r.url}#deleted`,
    type,
    occurredAt: at,
    source: { network: 'solid', id: `${r.url}#deleted` },
    actor: { network: 'solid', id: r.author },
    target: { network: 'solid', id: r.url },
    trace: { origin: 'solid', hops: 0 },
  };
}

function postOf(o: As2Object, res: InboundResource): PostObject | string {
  const html = typeof o.content === 'string' ? cleanHtml(o.content) : undefined;
  const plain = html !== undefined && o.mediaType !== 'text/plain' ? htmlToText(html) : typeof o.content === 'string' ? o.content : '';
  if (!plain.trim() && !o.attachment) return 'a post without content';
  const quote = quoteOf(o);
  const text = (quote ? dropQuoteLine(plain, quote) : plain).slice(0, MAX_TEXT);
  const replyTo = idOf(o.inReplyTo);
  const root = idOf(o.context);
  const published = isoOr(o.published, new Date(0).toISOString());
  return dropUndefined({
    kind: typeOf(o) === 'Article' ? 'article' : 'note',
    text,
    html: html && o.mediaType !== 'text/plain' ? html : undefined,
    title: typeof o.name === 'string' ? o.name : undefined,
    facets: mentionFacets(o, text),
    replyTo: replyTo && /^https?:\/\//.test(replyTo) ? { network: 'solid', id: replyTo } : undefined,
    threadRoot: root && /^https?:\/\//.test(root) && root !== replyTo ? { network: 'solid', id: root } : undefined,
    quote: quote ? { network: 'solid', id: quote } : undefined,
    attachments: list(o.attachment).map(attachmentOf).filter((a): a is Attachment => a !== undefined).slice(0, 20),
    contentWarning: typeof o.summary === 'string' && o.summary.trim() ? htmlToText(o.summary) : undefined,
    // `as:sensitive` arrives from expanded JSON-LD (or an app that writes it) with or without a summary.
    sensitive: (typeof o.summary === 'string' && o.summary.trim() !== '') || o.sensitive === true,
    visibility: visibilityOf(o, res),
    url: res.url,
    publishedAt: published,
  } satisfies PostObject);
}

/**
 * Addressing says it when present (AS2 apps); a Solid app that writes no addressing leaves it to
 * the pod's access control, which the WAC-Allow header reports: world-readable is public,
 * anything else is never bridged.
 */
function visibilityOf(o: As2Object, res: InboundResource): Visibility {
  const to = list(o.to).map(idOf);
  const cc = list(o.cc).map(idOf);
  const isPub = (x: string | undefined) => x === AS2_PUBLIC || x === 'as:Public' || x === 'Public';
  if (to.some(isPub)) return 'public';
  if (cc.some(isPub)) return 'unlisted';
  if (to.length || cc.length) return 'followers';
  return res.publiclyReadable ? 'public' : 'followers';
}

/**
 * `Mention` tags name a person and the text they appear as; every occurrence of that text is the
 * mention (a person named twice is tagged once or twice, as the writer liked), but not a longer
 * name it happens to begin (`@cy` inside `@cyd`).
 */
function mentionFacets(o: As2Object, text: string): Facet[] {
  const names = new Map<string, string>();
  for (const t of list(o.tag)) {
    if (!t || typeof t !== 'object' || typeOf(t as As2Object) !== 'Mention') continue;
    const href = idOf((t as As2Object).href);
    const name = (t as As2Object).name;
    if (href && typeof name === 'string' && name && !names.has(name)) names.set(name, href);
  }
  const out: Facet[] = [];
  const taken = (start: number, end: number) => out.some((f) => start < f.end && f.start < end);
  // Longest names first, so `@cyd@pod.example` wins over `@cyd` where both are tagged.
  for (const [name, href] of [...names].sort((a, b) => b[0].length - a[0].length)) {
    for (let start = text.indexOf(name); start >= 0; start = text.indexOf(name, start + name.length)) {
      const end = start + name.length;
      if (/[\p{L}\p{N}_@]/u.test(text[end] ?? '')) continue;
      if (!taken(start, end)) out.push({ kind: 'mention', start, end, actor: { network: 'solid', id: href } });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * FEP-e232: a `Link` tag with an ActivityStreams media type is an object link; the quote is the one
 * with Misskey's quote `rel`, or the only object link when none says so.
 */
function quoteOf(o: As2Object): string | undefined {
  const links = list(o.tag).filter((t): t is As2Object => !!t && typeof t === 'object' && typeOf(t as As2Object) === 'Link' && /activitystreams|activity\+json/.test(String((t as As2Object).mediaType ?? '')));
  const rels = (t: As2Object) => list(t.rel).map(String);
  const pick = links.find((t) => rels(t).some((r) => r === QUOTE_REL || r.endsWith('_misskey_quote') || r.endsWith('#quote'))) ?? (links.length === 1 ? links[0] : undefined);
  const href = pick ? idOf(pick.href) : undefined;
  return href && /^https?:\/\//.test(href) ? href : undefined;
}

/** The `RE: <url>` line readers without object links see; the quote travels as `object.quote` instead. */
function dropQuoteLine(text: string, href: string): string {
  const lines = text.split('\n');
  const last = lines.length - 1;
  if (lines[last]?.trim() !== `RE: ${href}`) return text;
  return lines.slice(0, last).join('\n').trimEnd();
}

function attachmentOf(a: unknown): Attachment | undefined {
  if (!a || typeof a !== 'object') return undefined;
  const d = a as As2Object;
  const url = idOf(Array.isArray(d.url) ? d.url[0] : d.url) ?? idOf((d.url as As2Object | undefined)?.href);
  if (!url || !/^https?:\/\//.test(url)) return undefined;
  const type = typeOf(d);
  const mediaType = typeof d.mediaType === 'string' ? d.mediaType : type === 'Image' ? 'image/*' : type === 'Video' ? 'video/*' : 'application/octet-stream';
  return dropUndefined({ url, mediaType, alt: typeof d.name === "string" ? d.name : undefined, width: num(d.width), height: num(d.height) } satisfies Attachment);
}

function kindOf(type: string | undefined): ResourceKind | undefined {
  if (type && POST_TYPES.has(type)) return 'post';
  if (type === 'Like') return 'reaction';
  if (type === 'Announce') return 'repost';
  if (type === 'Follow') return 'follow';
  return undefined;
}

function isOurs(o: As2Object): boolean {
  const g = o.generator;
  return !!g && typeof g === 'object' && (g as As2Object).name === GENERATOR_NAME;
}

function typeOf(o: As2Object): string | undefined {
  const t = Array.isArray(o.type) ? o.type.find((x) => typeof x === 'string') : o.type;
  return typeof t === 'string' ? t.replace(/^as:/, '') : undefined;
}

function idOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as As2Object;
    if (typeof o.id === 'string') return o.id;
    if (typeof o.href === 'string') return o.href;
  }
  return undefined;
}

function list(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined;
}

function isoOr(v: unknown, fallback: string): string {
  if (typeof v !== 'string') return fallback;
  const t = Date.parse(v);
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
