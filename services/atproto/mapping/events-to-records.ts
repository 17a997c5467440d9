/**
 * Outbound commands → repo writes as the identity we publish as. Pure: blobs, missing CIDs, the
 * current profile and link cards come in the context (the deliverer did that I/O first). Every
 * record is validated against its lexicon before it is returned: an invalid one throws
 * InvalidRecordError (permanent), it never reaches the repo.
 */
import { RichText } from '@atproto/api';
import { CORRECTION_PREFIX } from '../../../libs/adapter/edit-fallback.js';
import { actorKey, type ActorRef, type OutboundCommand, type PostObject } from '../../../libs/events/index.js';
import { COLLECTION, EMBED, parseAtUri, PROFILE_RKEY, SELF_LABELS, type AtFacet, type BlobJson, type StrongRef } from './atproto-records.js';
import type { RenderContext, RenderResult, RepoWrite } from './context.js';
import { facetsToRecord } from './facets.js';
import { recordKeyFor } from './record-key.js';
import { fits, fitText, graphemeLength } from './text-fit.js';
import { splitForThread } from './thread-split.js';
import { assertValidRecord, InvalidRecordError } from './validate-record.js';

export const MAX_IMAGES = 4;
const MAX_DISPLAY_NAME = 64;
const MAX_DESCRIPTION = 256;
/** app.bsky.embed.video `alt` (maxGraphemes in current lexicons; older ones set none). */
const MAX_VIDEO_ALT = 1000;
/** Self-label for media a source marked sensitive (com.atproto.label.defs known values). */
const SENSITIVE_LABEL = 'graphic-media';

export function render(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const e = command.event;
  const rkey = recordKeyFor(command.id, e.occurredAt);
  const createdAt = normDate(e.occurredAt);
  const one = (w: RepoWrite): RenderResult => {
    if (w.action !== 'delete') assertValidRecord(w.collection, w.record);
    return { writes: [w], primary: 0 };
  };
  switch (e.type) {
    case 'post.created': {
      const posts = renderPost(command, ctx, rkey);
      for (const w of posts) if (w.action !== 'delete') assertValidRecord(w.collection, w.record);
      return { writes: posts, primary: 0, ...(posts.length > 1 ? { thread: true } : {}) };
    }
    case 'post.updated': {
      // Not a putRecord of the copy: the Bluesky app shows only a post's first version
      // (bridgy-fed#947), and a new CID would leave every like, reply and quote that holds the
      // copy's strong ref pointing at a version that is gone. A correction reply is seen by all.
      if (!ownRef(command.refs.target?.id, ctx.did, COLLECTION.post)) return { writes: [], skipped: 'the post has no copy in our repo' };
      if (!strongRef(command.refs.target, ctx)) return { writes: [], skipped: 'the copy has no CID (not a strong ref)' };
      const [w] = renderPost(asCorrection(command), { ...ctx, threadLongText: false }, rkey);
      if (w!.action !== 'delete') assertValidRecord(w!.collection, w!.record);
      return { writes: [w!], primary: 0, aside: true };
    }
    case 'reaction.added':
    case 'repost.created': {
      const subject = strongRef(command.refs.target, ctx);
      if (!subject) return { writes: [], skipped: 'the target has no CID (not a strong ref)' };
      const collection = e.type === 'reaction.added' ? COLLECTION.like : COLLECTION.repost;
      if (e.type === 'reaction.added' && e.reaction && e.reaction.content !== '+' && e.reaction.content !== '❤️' && e.reaction.content !== '👍')
        return { writes: [], skipped: `emoji reaction ${e.reaction.content} has no Bluesky form` };
      return one({ action: 'create', collection, rkey, record: { $type: collection, subject, createdAt } });
    }
    case 'follow.created':
    case 'block.created': {
      const did = subjectDid(command);
      if (!did) return { writes: [], skipped: 'the subject has no DID' };
      const collection = e.type === 'follow.created' ? COLLECTION.follow : COLLECTION.block;
      return one({ action: 'create', collection, rkey, record: { $type: collection, subject: did, createdAt } });
    }
    case 'post.deleted':
    case 'reaction.removed':
    case 'repost.deleted':
    case 'follow.deleted':
    case 'block.deleted': {
      const collection = DELETED_COLLECTION[e.type];
      const own = ownRef(command.refs.target?.id, ctx.did, collection);
      const key = own?.rkey ?? ctx.existingRkey;
      if (!key) return { writes: [], skipped: 'nothing of ours to delete' };
      // A thread goes as a whole: its other parts first, so no part is left replying to nothing.
      const parts = e.type === 'post.deleted' ? (ctx.threadRkeys ?? []).filter((k) => k !== key) : [];
      const writes: RepoWrite[] = [...parts].reverse().map((k) => ({ action: 'delete' as const, collection, rkey: k }));
      writes.push({ action: 'delete', collection, rkey: key });
      return { writes, primary: writes.length - 1 };
    }
    case 'profile.updated':
      return one({ action: 'put', collection: COLLECTION.profile, rkey: PROFILE_RKEY, record: renderProfile(command, ctx) });
    case 'account.deleted':
      return { writes: [], skipped: 'account deletion is handled by the provisioner (deactivation), not as a record' };
    case 'report.created':
      return { writes: [], skipped: 'reports are kept for moderators, never bridged' };
  }
}

const DELETED_COLLECTION = {
  'post.deleted': COLLECTION.post,
  'reaction.removed': COLLECTION.like,
  'repost.deleted': COLLECTION.repost,
  'follow.deleted': COLLECTION.follow,
  'block.deleted': COLLECTION.block,
} as const;

function renderPost(command: OutboundCommand, ctx: RenderContext, rkey: string): RepoWrite[] {
  const e = command.event;
  const post = e.object!;
  const didOf = (a: ActorRef) => {
    const mapped = a.network === 'atproto' ? a.id : command.actors[actorKey(a)]?.id;
    return mapped?.startsWith('did:') ? mapped : undefined;
  };
  const { text: body, facets } = withWarning(post);
  const original = post.url ?? (/^https?:\/\//.test(e.source.id) ? e.source.id : undefined);
  // The account chose threads: every part whole. Otherwise one post, cut with a link to the original.
  const parts = ctx.threadLongText && !fits(body) ? splitForThread(body, facets) : [fitText(body, facets, original)];
  const createdAt = Date.parse(normDate(post.publishedAt));
  return parts.map((part, i) => {
    let recordFacets = facetsToRecord(part.text, part.facets, didOf);
    if (!post.facets.length) recordFacets = detectedFacets(part.text, recordFacets);
    // Each part a millisecond later: clients order a thread's self-replies by time, and TIDs sort by it.
    const at = new Date(createdAt + i).toISOString();
    const record: Record<string, unknown> = { $type: COLLECTION.post, text: part.text, createdAt: at };
    if (recordFacets.length) record.facets = recordFacets;
    if (post.language && /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/.test(post.language)) record.langs = [post.language];
    if (i === 0) {
      const parent = strongRef(command.refs.replyTo, ctx);
      if (parent) record.reply = { root: strongRef(command.refs.threadRoot, ctx) ?? parent, parent };
      const embed = embedOf(command, post, ctx);
      if (embed) record.embed = embed;
    }
    // The warning covers the whole text, so every part carries the label.
    if (post.sensitive || post.contentWarning) record.labels = { $type: SELF_LABELS, values: [{ val: SENSITIVE_LABEL }] };
    return { action: 'create' as const, collection: COLLECTION.post, rkey: i === 0 ? rkey : threadPartKey(command, i), record };
  });
}

/** Part i (> 0) of a thread: its own TID, derived like the first's, so a retry rewrites the same keys. */
export function threadPartKey(command: OutboundCommand, i: number): string {
  return recordKeyFor(`${command.id}#part${i}`, new Date(Date.parse(command.event.occurredAt) + i).toISOString());
}

/** A content warning has no field of its own on Bluesky: it leads the text; the label hides the media. */
function withWarning(post: PostObject): { text: string; facets: PostObject['facets'] } {
  return post.contentWarning ? prefixed(`⚠️ ${post.contentWarning}\n\n`, post) : { text: post.text, facets: post.facets };
}

/** `prefix` before the text, facets (UTF-16 offsets) moved along. */
function prefixed(prefix: string, post: PostObject): { text: string; facets: PostObject['facets'] } {
  return { text: prefix + post.text, facets: post.facets.map((f) => ({ ...f, start: f.start + prefix.length, end: f.end + prefix.length })) };
}

/**
 * post.updated → the new version as a reply to the copy, led by the correction line, dated at the
 * edit, in the copy's thread (its root, else the copy itself).
 */
function asCorrection(command: OutboundCommand): OutboundCommand {
  const e = command.event;
  const post = e.object!;
  const target = command.refs.target!;
  const object: PostObject = { ...post, ...prefixed(`${CORRECTION_PREFIX}\n\n`, post), publishedAt: post.updatedAt ?? e.occurredAt };
  return { ...command, event: { ...e, object }, refs: { ...command.refs, replyTo: target, threadRoot: command.refs.threadRoot ?? command.refs.replyTo ?? target } };
}

/** Sources without facets (plain text): links and tags found by @atproto/api's RichText, as the Bluesky app does. */
function detectedFacets(text: string, existing: AtFacet[]): AtFacet[] {
  const rt = new RichText({ text });
  rt.detectFacetsWithoutResolution();
  // Mentions need a resolved DID (RichText puts the handle there without resolution): not taken.
  const found = (rt.facets ?? []).filter((f) => f.features.every((x) => x.$type !== 'app.bsky.richtext.facet#mention')) as unknown as AtFacet[];
  return [...existing, ...found.map((f) => ({ ...f, $type: 'app.bsky.richtext.facet' }))];
}

function embedOf(command: OutboundCommand, post: PostObject, ctx: RenderContext): Record<string, unknown> | undefined {
  const images = post.attachments
    .filter((a) => a.mediaType.startsWith('image/') && ctx.blobs?.has(a.url))
    .slice(0, MAX_IMAGES)
    .map((a) => ({
      image: ctx.blobs!.get(a.url)!,
      alt: a.alt ?? '',
      ...(a.width && a.height ? { aspectRatio: { width: a.width, height: a.height } } : {}),
    }));
  const video = images.length ? undefined : post.attachments.find((a) => a.mediaType.startsWith('video/') && ctx.blobs?.has(a.url));
  const media = images.length
    ? { $type: EMBED.images, images }
    : video
      ? {
          $type: EMBED.video,
          video: ctx.blobs!.get(video.url)!,
          ...(video.alt ? { alt: clip(video.alt, MAX_VIDEO_ALT) } : {}),
          ...(video.width && video.height ? { aspectRatio: { width: video.width, height: video.height } } : {}),
        }
      : ctx.linkCard
      ? { $type: EMBED.external, external: { uri: ctx.linkCard.uri, title: ctx.linkCard.title, description: ctx.linkCard.description, ...(ctx.linkCard.thumb ? { thumb: ctx.linkCard.thumb } : {}) } }
      : undefined;
  const quoted = strongRef(command.refs.quote, ctx);
  if (quoted && media) return { $type: EMBED.recordWithMedia, record: { $type: EMBED.record, record: quoted }, media };
  if (quoted) return { $type: EMBED.record, record: quoted };
  return media;
}

function renderProfile(command: OutboundCommand, ctx: RenderContext): Record<string, unknown> {
  const p = command.event.profile ?? {};
  const record: Record<string, unknown> = { ...(ctx.currentProfile ?? {}), $type: COLLECTION.profile };
  const name = p.displayName ?? command.event.actor.handle;
  if (name) record.displayName = clip(name, MAX_DISPLAY_NAME);
  if (p.summary !== undefined) record.description = clip(p.summary, MAX_DESCRIPTION);
  const avatar = p.avatar && ctx.blobs?.get(p.avatar.url);
  const banner = p.banner && ctx.blobs?.get(p.banner.url);
  if (avatar) record.avatar = avatar;
  if (banner) record.banner = banner;
  const site = p.links?.find((l) => /^https?:\/\//.test(l.url))?.url;
  if (site) record.website = site;
  return record;
}

/** Cut to `max` graphemes (profile fields count graphemes and 10× as many bytes). */
function clip(s: string, max: number): string {
  if (graphemeLength(s) <= max) return s;
  const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let n = 0;
  for (const g of seg.segment(s)) {
    if (n === max - 1) break;
    out += g.segment;
    n++;
  }
  return `${out.trimEnd()}…`;
}

function strongRef(ref: { id: string; cid?: string } | undefined, ctx: RenderContext): StrongRef | undefined {
  if (!ref || !parseAtUri(ref.id)) return undefined;
  const cid = ref.cid ?? ctx.cids?.get(ref.id);
  return cid ? { uri: ref.id, cid } : undefined;
}

function ownRef(uri: string | undefined, did: string, collection: string): { rkey: string } | undefined {
  const p = uri ? parseAtUri(uri) : undefined;
  return p && p.did === did && p.collection === collection ? { rkey: p.rkey } : undefined;
}

function subjectDid(command: OutboundCommand): string | undefined {
  const s = command.event.subject;
  if (!s) return undefined;
  const id = s.network === 'atproto' ? s.id : command.actors[actorKey(s)]?.id;
  return id?.startsWith('did:') ? id : undefined;
}

function normDate(s: string): string {
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new InvalidRecordError('createdAt', `not a date: ${s}`);
  return new Date(t).toISOString();
}

export { type BlobJson };
