import { nip19 } from 'nostr-tools';
import type { Attachment, BridgeEvent, MappedRef, ObjectRef, OutboundCommand, PostObject } from '../../../libs/events/index.js';
import { actorKey } from '../../../libs/events/index.js';
import { AS2_CONTEXT, AS2_LINK_MEDIA_TYPE, AS2_PUBLIC, folderUrl, GENERATOR_NAME, profileUrl, QUOTE_REL, SENSITIVE_SUMMARY, type As2Object } from './as2.js';
import type { PodWrite, RenderContext, RenderResult } from './context.js';
import { escapeHtml, textToHtml } from './html.js';
import { resourceSlug, slugOf } from './names.js';

/**
 * A command as resources in pods: the copy in the identity's outbox (one resource per post,
 * like or repost), plus, for a reply/like/repost of a Solid original, a notification in the
 * original author's inbox (Linked Data Notifications style). Pure: the deliverer does the I/O.
 */
export function render(command: OutboundCommand, ctx: RenderContext): RenderResult {
  const e = command.event;
  const slug = resourceSlug(command.id);
  const outbox = folderUrl(ctx.me.socialUrl, 'outbox');
  switch (e.type) {
    case 'post.created': {
      if (!e.object) return { writes: [], skipped: 'post without object' };
      const url = outbox + slug;
      const note = noteOf(e, e.object, url, command, ctx);
      const writes: PodWrite[] = [{ op: 'put', url, body: note, public: isPublic(e.object), role: 'outbox' }];
      const inbox = inboxWrite(command.refs.replyTo, ctx, slug, () => activity('Create', url, ctx, e, { object: stripContext(note) }));
      if (inbox) writes.push(inbox);
      return { writes, ref: { network: 'solid', id: url, url } };
    }
    case 'post.updated': {
      const url = command.refs.target?.id;
      if (!e.object || !url) return { writes: [], skipped: 'update without the copy to change' };
      if (!owned(url, ctx)) return { writes: [], skipped: `not ours to change: ${url}` };
      return { writes: [{ op: 'put', url, body: noteOf(e, e.object, url, command, ctx), public: isPublic(e.object), role: 'outbox' }], ref: { network: 'solid', id: url, url } };
    }
    case 'reaction.added':
    case 'repost.created': {
      const target = command.refs.target;
      if (!target) return { writes: [], skipped: 'nothing to point at' };
      const url = outbox + slug;
      const type = e.type === 'reaction.added' ? 'Like' : 'Announce';
      const extra: As2Object = { object: target.id };
      if (e.type === 'reaction.added' && e.reaction && e.reaction.content !== '+') extra.content = e.reaction.content;
      const body = activity(type, url, ctx, e, extra);
      const writes: PodWrite[] = [{ op: 'put', url, body, public: true, role: 'outbox' }];
      const inbox = inboxWrite(target, ctx, slug, () => ({ ...body, url }));
      if (inbox) writes.push(inbox);
      return { writes, ref: { network: 'solid', id: url, url } };
    }
    case 'post.deleted':
    case 'reaction.removed':
    case 'repost.deleted': {
      const url = command.refs.target?.id;
      if (!url) return { writes: [], skipped: 'nothing to remove' };
      if (!owned(url, ctx)) return { writes: [], skipped: `not ours to remove: ${url}` };
      return { writes: [{ op: 'delete', url }] };
    }
    case 'follow.created':
    case 'follow.deleted': {
      const subject = e.subject && command.actors[actorKey(e.subject)];
      if (!subject) return { writes: [], skipped: 'the followed person has no identity on Solid' };
      // Named by the pair, not the command: the unfollow must find the follow it undoes.
      const url = outbox + resourceSlug(`follow\0${ctx.me.webId}\0${subject.id}`);
      if (e.type === 'follow.deleted') return { writes: [{ op: 'delete', url }] };
      const body = activity('Follow', url, ctx, e, { object: subject.id });
      const writes: PodWrite[] = [{ op: 'put', url, body, public: true, role: 'outbox' }];
      const social = ctx.socialOfPerson?.(subject.id);
      if (social && social !== ctx.me.socialUrl) {
        const notice = folderUrl(social, 'inbox') + slugOf(url);
        writes.push({ op: 'put', url: notice, body: { ...body, id: notice, url }, public: false, role: 'inbox' });
      }
      return { writes, ref: { network: 'solid', id: url, url } };
    }
    case 'profile.updated': {
      const url = profileUrl(ctx.me.socialUrl);
      const p = e.profile ?? {};
      const body: As2Object = {
        '@context': AS2_CONTEXT,
        id: url,
        type: p.bot ? 'Service' : 'Person',
        name: p.displayName,
        summary: p.summary === undefined ? undefined : textToHtml(p.summary),
        icon: p.avatar ? image(p.avatar) : undefined,
        image: p.banner ? image(p.banner) : undefined,
        url: [originLink(e), ...(p.links ?? []).map((l) => ({ type: 'Link', href: l.url, name: l.label }))].filter(Boolean),
        updated: e.occurredAt,
        generator: generator(ctx),
      };
      return { writes: [{ op: 'put', url, body: compact(body), public: true, role: 'profile' }], ref: { network: 'solid', id: url, url } };
    }
    default:
      return { writes: [], skipped: `${e.type} is not written to pods` };
  }
}

/** The URL of a notification this copy left in someone's inbox: same name as the copy. */
export function inboxCopyUrl(inboxSocialUrl: string, copyUrl: string): string {
  return folderUrl(inboxSocialUrl, 'inbox') + slugOf(copyUrl);
}

function inboxWrite(ref: MappedRef | undefined, ctx: RenderContext, slug: string, body: () => As2Object): PodWrite | undefined {
  // Only a Solid original has an owner with an inbox; a copy we wrote ourselves needs no notice.
  if (!ref?.original) return undefined;
  const social = ctx.socialOf?.(ref);
  if (!social || social === ctx.me.socialUrl) return undefined;
  const url = folderUrl(social, 'inbox') + slug;
  return { op: 'put', url, body: { ...body(), id: url }, public: false, role: 'inbox' };
}

function noteOf(e: BridgeEvent, o: PostObject, url: string, command: OutboundCommand, ctx: RenderContext): As2Object {
  const mentions = o.facets
    .filter((f) => f.kind === 'mention' && f.actor)
    .map((f) => {
      const mapped = command.actors[actorKey(f.actor!)];
      return { type: 'Mention', href: mapped?.id ?? f.actor!.id, name: o.text.slice(f.start, f.end) };
    });
  const addressing = o.visibility === 'public' ? { to: [AS2_PUBLIC] } : o.visibility === 'unlisted' ? { cc: [AS2_PUBLIC] } : {};
  const quoted = quoteHref(command.refs.quote);
  const tags: As2Object[] = [...mentions, ...(quoted ? [{ type: 'Link', mediaType: AS2_LINK_MEDIA_TYPE, rel: QUOTE_REL, href: quoted, name: `RE: ${quoted}` }] : [])];
  // Readers that know no object links still see what is quoted: Misskey's `RE: <url>` line.
  const body = o.html ?? textToHtml(o.text);
  const html = quoted ? `${body}<p>RE: <a href="${escapeHtml(quoted)}">${escapeHtml(quoted)}</a></p>` : body;
  return compact({
    '@context': AS2_CONTEXT,
    id: url,
    type: o.kind === 'article' ? 'Article' : 'Note',
    attributedTo: ctx.me.webId,
    name: o.title,
    summary: o.contentWarning ?? (o.sensitive ? SENSITIVE_SUMMARY : undefined),
    content: html,
    mediaType: 'text/html',
    contentMap: o.language ? { [o.language]: html } : undefined,
    inReplyTo: command.refs.replyTo?.id,
    context: command.refs.threadRoot?.id,
    tag: tags.length ? tags : undefined,
    attachment: o.attachments.length ? o.attachments.map((a, i) => document(a, ctx.mediaCopy?.(i))) : undefined,
    published: o.publishedAt,
    updated: e.type === 'post.updated' ? (o.updatedAt ?? e.occurredAt) : o.updatedAt,
    url: originLink(e, o.url),
    ...addressing,
    generator: generator(ctx),
  });
}

function activity(type: string, url: string, ctx: RenderContext, e: BridgeEvent, extra: As2Object): As2Object {
  return compact({ '@context': AS2_CONTEXT, id: url, type, actor: ctx.me.webId, ...extra, published: e.occurredAt, url: originLink(e), to: [AS2_PUBLIC], generator: generator(ctx) });
}

/** Where the quoted post can be read: its copy or original as a URL, a Nostr note as NIP-21. */
function quoteHref(ref: MappedRef | undefined): string | undefined {
  if (!ref) return undefined;
  return ref.url ?? (/^https?:\/\//.test(ref.id) ? ref.id : nativeUri(ref));
}

/** Every resource links back to where it came from (its page on the origin network). */
function originLink(e: BridgeEvent, url?: string): As2Object | undefined {
  const href = url ?? e.source.url ?? nativeUri(e.source);
  return href ? { type: 'Link', href, rel: 'canonical', name: `original on ${e.source.network}` } : undefined;
}

/** A URI for a native id that has no web page: NIP-21 for Nostr, the id itself when it is a URI already (at://, https://). */
function nativeUri(ref: ObjectRef): string | undefined {
  if (ref.network === 'nostr' && /^[0-9a-f]{64}$/.test(ref.id)) return `nostr:${nip19.neventEncode({ id: ref.id })}`;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ref.id) ? ref.id : undefined;
}

function generator(ctx: RenderContext): As2Object {
  return compact({ type: 'Application', name: GENERATOR_NAME, url: ctx.bridgeUrl });
}

/** With a copy in the pod, `url` lists the copy first and the origin as the canonical link. */
function document(a: Attachment, copy?: string): As2Object {
  const type = a.mediaType.startsWith('image/') ? 'Image' : a.mediaType.startsWith('video/') ? 'Video' : a.mediaType.startsWith('audio/') ? 'Audio' : 'Document';
  const url = copy ? [copy, { type: 'Link', href: a.url, rel: 'canonical' }] : a.url;
  return compact({ type, url, mediaType: a.mediaType, name: a.alt, width: a.width, height: a.height });
}

/** The name of attachment `index`'s copy in social/media/ (extension from its media type). */
export function mediaSlug(commandId: string, index: number, mediaType: string): string {
  const ext = /^[a-z]+\/([a-z0-9.+-]+)$/i.exec(mediaType)?.[1]?.replace('jpeg', 'jpg').replace(/[^a-z0-9]/gi, '').slice(0, 8);
  return `${resourceSlug(commandId)}-${index}${ext ? `.${ext}` : ''}`;
}

function image(a: Attachment): As2Object {
  return compact({ type: 'Image', url: a.url, mediaType: a.mediaType, name: a.alt });
}

function isPublic(o: PostObject): boolean {
  return o.visibility === 'public' || o.visibility === 'unlisted';
}

function owned(url: string, ctx: RenderContext): boolean {
  return url.startsWith(ctx.me.socialUrl);
}

function stripContext(o: As2Object): As2Object {
  const { '@context': _ctx, ...rest } = o;
  return rest;
}

/** Drops undefined members (JSON-LD has no "absent" value to write). */
function compact(o: As2Object): As2Object {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as As2Object;
}
