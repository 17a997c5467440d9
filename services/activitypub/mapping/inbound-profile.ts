/** An actor document (Person, Service, ...) → the normalized profile. */
import type { Attachment, Profile } from '../../../libs/events/index.js';
import { asArray, hasType, isHttpUrl, isObject, str, type AsObject } from './as2.js';
import { sanitize } from './html-sanitize.js';
import { htmlToText } from './html-text.js';
import { attachmentOf } from './inbound-post.js';

const MAX_LINKS = 20;

function image(v: unknown): Attachment | undefined {
  const first = asArray(v)[0];
  if (typeof first === 'string' && isHttpUrl(first)) return { url: first, mediaType: 'image/*' };
  return attachmentOf(isObject(first) && !first.type ? { ...first, type: 'Image' } : first);
}

/** Plain text of an HTML fragment (links keep their text; the URL is in `links` where it matters). */
export function plainText(html: string): string {
  return htmlToText(sanitize(html), () => undefined).text;
}

export function profileOf(actor: AsObject): Profile {
  const profile: Profile = {};
  const name = str(actor.name, 1000)?.trim();
  if (name) profile.displayName = name;
  const summary = typeof actor.summary === 'string' ? plainText(actor.summary.slice(0, 50_000)) : '';
  if (summary) profile.summary = summary;
  const avatar = image(actor.icon);
  if (avatar) profile.avatar = avatar;
  const banner = image(actor.image);
  if (banner) profile.banner = banner;
  const links: { label: string; url: string }[] = [];
  for (const a of asArray(actor.attachment)) {
    // Mastodon profile fields: PropertyValue with an HTML value; only those holding a link are links.
    if (!isObject(a) || !hasType(a, 'PropertyValue') || typeof a.name !== 'string' || typeof a.value !== 'string') continue;
    const href = /href="([^"]+)"/.exec(sanitize(a.value))?.[1]?.replace(/&amp;/g, '&');
    if (href && isHttpUrl(href)) links.push({ label: a.name.slice(0, 200), url: href });
  }
  if (links.length) profile.links = links.slice(0, MAX_LINKS);
  if (hasType(actor, 'Service', 'Application')) profile.bot = true;
  return profile;
}
