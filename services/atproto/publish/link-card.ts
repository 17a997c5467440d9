/**
 * Link cards: Bluesky shows a preview only when the post carries `app.bsky.embed.external`, built
 * by the writer (bridgy-fed#1411). We build it from the linked page's own metadata (Open Graph,
 * else <title> and the description meta), fetched through the AddressGuard; its image becomes the
 * thumb. Nothing here is fatal: no card is better than a failed post.
 */
import type { AddressGuard } from '../../../libs/net/index.js';
import { fetchGuarded } from './media.js';

export interface PageMeta {
  title?: string;
  description?: string;
  image?: string;
}

/** The metadata of an HTML page (first 1 MB is plenty). Pure. */
export function parsePageMeta(html: string, pageUrl: string): PageMeta {
  const head = html.slice(0, 200_000);
  const metas = [...head.matchAll(/<meta\b[^>]*>/gi)].map((m) => m[0]);
  const attr = (tag: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag)?.slice(2).find((x) => x !== undefined);
  const meta = (...keys: string[]) => {
    for (const key of keys)
      for (const tag of metas) {
        const k = (attr(tag, 'property') ?? attr(tag, 'name'))?.toLowerCase();
        const v = attr(tag, 'content');
        if (k === key && v) return decode(v).trim();
      }
    return undefined;
  };
  const title = meta('og:title', 'twitter:title') ?? decode(/<title[^>]*>([^<]*)<\/title>/i.exec(head)?.[1] ?? '').trim();
  const description = meta('og:description', 'twitter:description', 'description');
  const image = meta('og:image', 'og:image:url', 'twitter:image');
  const out: PageMeta = {};
  if (title) out.title = title.slice(0, 300);
  if (description) out.description = description.slice(0, 1000);
  if (image) {
    try {
      out.image = new URL(image, pageUrl).toString();
    } catch {
      // a broken image URL: a card without a thumb
    }
  }
  return out;
}

export async function fetchPageMeta(url: string, guard: AddressGuard): Promise<PageMeta | undefined> {
  const page = await fetchGuarded(url, guard, 1024 * 1024);
  if (!/html/.test(page.mediaType)) return undefined;
  return parsePageMeta(page.bytes.toString('utf8'), url);
}

function decode(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}
