import { nip19 } from 'nostr-tools';
import type { BridgeEvent, ObjectRef } from '../../libs/events/index.js';

/**
 * A reply whose parent can never have a copy on the target goes as a post of its own that links
 * the parent where people can read it (parent-rule.ts). The link is added to the event the
 * command carries, so every adapter renders it as it renders any link: no adapter needs to know.
 */
export function withParentLink(event: BridgeEvent, parent: ObjectRef): BridgeEvent {
  const object = event.object;
  if (!object) return event;
  const { replyTo: _replyTo, threadRoot: _threadRoot, ...rest } = object;
  void _replyTo;
  void _threadRoot;
  const url = publicUrlOf(parent);
  if (!url) return { ...event, object: rest };
  const lead = object.text ? `${object.text}\n\n${REPLY_LABEL}` : REPLY_LABEL;
  const html = object.html === undefined ? undefined : `${object.html}<p>${REPLY_LABEL}<a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>`;
  return {
    ...event,
    object: {
      ...rest,
      text: lead + url,
      facets: [...object.facets, { kind: 'link', start: lead.length, end: lead.length + url.length, url }],
      ...(html !== undefined && { html }),
    },
  };
}

const REPLY_LABEL = 'In reply to ';

/**
 * Where a post can be read on its own network: its page when the adapter gave one, its id when
 * that is a web URL (fediverse, Solid), the Bluesky app for an at:// post, a Nostr web viewer
 * (njump, what Bridgy Fed links to) for a Nostr note. Undefined when none is known.
 */
export function publicUrlOf(ref: ObjectRef): string | undefined {
  if (ref.url && /^https?:\/\//.test(ref.url)) return ref.url;
  if (/^https?:\/\//.test(ref.id)) return ref.id;
  if (ref.network === 'atproto') {
    const m = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([^/]+)$/.exec(ref.id);
    return m ? `https://bsky.app/profile/${m[1]}/post/${m[2]}` : undefined;
  }
  if (ref.network === 'nostr' && /^[0-9a-f]{64}$/.test(ref.id)) return `https://njump.me/${nip19.neventEncode({ id: ref.id, ...(ref.writtenBy?.network === 'nostr' && { author: ref.writtenBy.id }) })}`;
  return undefined;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
