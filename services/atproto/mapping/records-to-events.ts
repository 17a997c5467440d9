/**
 * Repo operations → BridgeEvents. Pure. Records are validated against their lexicon first; what
 * cannot be used comes back as `ignored` with the reason (never a throw), so the firehose goes on.
 */
import { EVENT_SCHEMA_VERSION, type ActorRef, type Attachment, type BridgeEvent, type EventType, type ObjectRef, type PostObject, type Profile } from '../../../libs/events/index.js';
import { atUri, blobCid, COLLECTION, EMBED, SELF_LABELS, type AtEmbed, type AtPostRecord, type AtProfileRecord, type StrongRef } from './atproto-records.js';
import type { InboundContext, MapResult, RepoOp } from './context.js';
import { facetsFromRecord } from './facets.js';
import { checkRecord } from './validate-record.js';

/** Self-label values (com.atproto.label.defs) that mark a post's media as sensitive. */
const SENSITIVE_LABELS = new Set(['porn', 'sexual', 'nudity', 'graphic-media', 'gore', 'nsfw']);

export function toEvents(op: RepoOp, ctx: InboundContext = {}): MapResult {
  const ignore = (why: string): MapResult => ({ events: [], ignored: why });
  if (!op.did.startsWith('did:')) return ignore(`not a DID: ${op.did}`);
  const uri = atUri(op.did, op.collection, op.rkey);
  const actor: ActorRef = { network: 'atproto', id: op.did, ...(ctx.handle ? { handle: ctx.handle } : {}) };
  const bridged = ctx.isBridged?.(op.did) ?? false;
  const base = (type: EventType, id: string, source: ObjectRef, occurredAt: string): BridgeEvent => ({
    v: EVENT_SCHEMA_VERSION,
    id,
    type,
    occurredAt,
    source,
    actor,
    trace: { origin: 'atproto', hops: 0, ...(bridged ? { bridged: true, via: 'pontis' } : {}) },
  });

  if (op.action === 'delete') return deleteEvents(op, uri, ctx, base);

  const check = checkRecord(op.collection, op.record);
  if (!check.ok) return ignore(`invalid ${op.collection} record: ${check.reason}`);
  const created = dateOf((op.record as { createdAt?: unknown }).createdAt) ?? op.time;
  const source: ObjectRef = { network: 'atproto', id: uri, ...(op.cid ? { cid: op.cid } : {}) };

  switch (op.collection) {
    case COLLECTION.post: {
      const object = postObject(op, op.record as AtPostRecord, ctx);
      if (op.action === 'update') {
        // An edit: its own event id per version (the CID), pointing at the post.
        const e = base('post.updated', `atproto:${uri}#${op.cid ?? op.time}`, source, op.time);
        return { events: [{ ...e, target: { network: 'atproto', id: uri }, object: { ...object, updatedAt: op.time } }] };
      }
      return { events: [{ ...base('post.created', `atproto:${uri}`, source, created), object }] };
    }
    case COLLECTION.like:
    case COLLECTION.repost: {
      if (op.action === 'update') return ignore(`${op.collection} updates mean nothing`);
      const subject = (op.record as { subject: StrongRef }).subject;
      const e = base(op.collection === COLLECTION.like ? 'reaction.added' : 'repost.created', `atproto:${uri}`, source, created);
      return {
        events: [{ ...e, target: { network: 'atproto', id: subject.uri, cid: subject.cid }, ...(op.collection === COLLECTION.like ? { reaction: { content: '+' } } : {}) }],
      };
    }
    case COLLECTION.follow:
    case COLLECTION.block: {
      if (op.action === 'update') return ignore(`${op.collection} updates mean nothing`);
      const subject = (op.record as { subject: string }).subject;
      const e = base(op.collection === COLLECTION.follow ? 'follow.created' : 'block.created', `atproto:${uri}`, source, created);
      return { events: [{ ...e, subject: { network: 'atproto', id: subject } }] };
    }
    case COLLECTION.profile: {
      const profile = profileOf(op.did, op.record as AtProfileRecord, ctx);
      return { events: [{ ...base('profile.updated', `atproto:${uri}#${op.cid ?? op.time}`, source, op.time), profile }] };
    }
    default:
      return ignore(`collection ${op.collection} is not bridged`);
  }
}

function deleteEvents(op: RepoOp, uri: string, ctx: InboundContext, base: (t: EventType, id: string, s: ObjectRef, at: string) => BridgeEvent): MapResult {
  const source: ObjectRef = { network: 'atproto', id: `${uri}#delete` };
  const id = `atproto:${uri}#delete`;
  const target: ObjectRef = { network: 'atproto', id: uri, ...(ctx.kept?.cid ? { cid: ctx.kept.cid } : {}) };
  switch (op.collection) {
    case COLLECTION.post:
      return { events: [{ ...base('post.deleted', id, source, op.time), target }] };
    case COLLECTION.like:
      return { events: [{ ...base('reaction.removed', id, source, op.time), target, reaction: { content: '+' } }] };
    case COLLECTION.repost:
      return { events: [{ ...base('repost.deleted', id, source, op.time), target }] };
    case COLLECTION.follow:
    case COLLECTION.block: {
      // The delete carries only the path: who was followed comes from what we kept at creation.
      if (!ctx.kept?.subject) return { events: [], ignored: `delete of ${uri}: its subject was never seen` };
      const type = op.collection === COLLECTION.follow ? 'follow.deleted' : 'block.deleted';
      return { events: [{ ...base(type, id, source, op.time), target, subject: { network: 'atproto', id: ctx.kept.subject } }] };
    }
    case COLLECTION.profile:
      return { events: [], ignored: 'profile deleted: nothing to bridge' };
    default:
      return { events: [], ignored: `collection ${op.collection} is not bridged` };
  }
}

function postObject(op: RepoOp, r: AtPostRecord, ctx: InboundContext): PostObject {
  let text = r.text;
  const facets = facetsFromRecord(text, r.facets, ctx.handleOf);
  const attachments: Attachment[] = [];
  let quote: ObjectRef | undefined;
  const embed = r.embed;
  const media = embed?.$type === EMBED.recordWithMedia ? (embed.media as AtEmbed | undefined) : embed;
  if (embed?.$type === EMBED.record) quote = strongRefOf(embed.record);
  if (embed?.$type === EMBED.recordWithMedia) quote = strongRefOf((embed.record as { record?: unknown } | undefined)?.record);
  if (media) {
    attachments.push(...mediaAttachments(op.did, media, ctx));
    if (media.$type === EMBED.external) {
      // A link card: the contract has no card, so the link joins the text (once) with a link facet.
      const uri = (media.external as { uri?: unknown } | undefined)?.uri;
      if (typeof uri === 'string' && !text.includes(uri)) {
        const sep = text.length ? '\n\n' : '';
        facets.push({ kind: 'link', start: text.length + sep.length, end: text.length + sep.length + uri.length, url: uri });
        text = `${text}${sep}${uri}`;
      }
    }
  }
  const labels = (r.labels?.$type === SELF_LABELS || r.labels?.values ? r.labels?.values ?? [] : []).map((l) => l.val).filter((v) => typeof v === 'string');
  const sensitive = labels.some((l) => SENSITIVE_LABELS.has(l));
  const post: PostObject = {
    kind: 'note',
    text,
    facets,
    attachments,
    sensitive,
    visibility: 'public',
    publishedAt: dateOf(r.createdAt) ?? op.time,
  };
  if (labels.length && sensitive) post.contentWarning = labels.join(', ');
  const lang = r.langs?.[0];
  if (lang) post.language = lang;
  if (r.reply) {
    post.replyTo = { network: 'atproto', id: r.reply.parent.uri, cid: r.reply.parent.cid };
    post.threadRoot = { network: 'atproto', id: r.reply.root.uri, cid: r.reply.root.cid };
  }
  if (quote) post.quote = quote;
  if (ctx.permalink) post.url = ctx.permalink(op.did, op.rkey);
  return post;
}

function mediaAttachments(did: string, media: AtEmbed, ctx: InboundContext): Attachment[] {
  const blob = (b: unknown, mediaType: string, extra: Partial<Attachment>): Attachment[] => {
    const cid = blobCid(b);
    if (!cid || !ctx.blobUrl) return [];
    const mime = (b as { mimeType?: unknown }).mimeType;
    const size = (b as { size?: unknown }).size;
    return [{ url: ctx.blobUrl(did, cid), mediaType: typeof mime === 'string' ? mime : mediaType, ...(typeof size === 'number' ? { sizeBytes: size } : {}), ...extra }];
  };
  const ratio = (a: unknown): Partial<Attachment> => {
    const r = a as { width?: unknown; height?: unknown } | undefined;
    return typeof r?.width === 'number' && typeof r?.height === 'number' ? { width: r.width, height: r.height } : {};
  };
  const alt = (v: unknown): Partial<Attachment> => (typeof v === 'string' && v ? { alt: v } : {});
  switch (media.$type) {
    case EMBED.images:
      return ((media.images as { image: unknown; alt?: string; aspectRatio?: unknown }[]) ?? []).flatMap((i) => blob(i.image, 'image/jpeg', { ...alt(i.alt), ...ratio(i.aspectRatio) }));
    case EMBED.video:
      return blob(media.video, 'video/mp4', { ...alt(media.alt), ...ratio(media.aspectRatio) });
    case EMBED.gallery: {
      // app.bsky.embed.gallery (2026): items of images or videos; read defensively, it is new.
      const items = (media.items ?? media.images ?? []) as { image?: unknown; video?: unknown; alt?: string; aspectRatio?: unknown }[];
      return Array.isArray(items) ? items.flatMap((i) => blob(i.image ?? i.video, i.video ? 'video/mp4' : 'image/jpeg', { ...alt(i.alt), ...ratio(i.aspectRatio) })) : [];
    }
    default:
      return [];
  }
}

function profileOf(did: string, r: AtProfileRecord, ctx: InboundContext): Profile {
  const p: Profile = {};
  if (r.displayName) p.displayName = r.displayName;
  if (r.description) p.summary = r.description;
  const img = (b: unknown): Attachment | undefined => {
    const cid = blobCid(b);
    const mime = (b as { mimeType?: unknown } | undefined)?.mimeType;
    return cid && ctx.blobUrl ? { url: ctx.blobUrl(did, cid), mediaType: typeof mime === 'string' ? mime : 'image/jpeg' } : undefined;
  };
  const avatar = img(r.avatar);
  const banner = img(r.banner);
  if (avatar) p.avatar = avatar;
  if (banner) p.banner = banner;
  if (typeof r.website === 'string') p.links = [{ label: 'website', url: r.website }];
  return p;
}

function strongRefOf(v: unknown): ObjectRef | undefined {
  const r = v as { uri?: unknown; cid?: unknown } | undefined;
  return typeof r?.uri === 'string' ? { network: 'atproto', id: r.uri, ...(typeof r.cid === 'string' ? { cid: r.cid } : {}) } : undefined;
}

function dateOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}
