/**
 * Defensive checks on incoming events. Signatures are verified by the I/O layer before the mapper
 * sees an event, but a valid signature says nothing about the content: any key can sign a
 * malformed profile, a 50,000-tag event or text with broken UTF-16. Nothing here throws.
 */
import { LIMITS } from '../../../libs/events/index.js';
import { isHex64 } from './nostr-refs.js';
import type { NostrEvent } from './nostr-protocol.js';

/** strfry's default `maxNumTags`; an event with more is spam or an attack, not a post. */
export const MAX_TAGS = 2000;
/** The last second ISO 8601 can write with a 4-digit year (the contract's date format). */
const MAX_CREATED_AT = 253_402_300_799;

/** Why the event cannot be mapped at all, or undefined when its envelope is sound. */
export function envelopeProblem(ev: unknown): string | undefined {
  if (typeof ev !== 'object' || ev === null) return 'not an event object';
  const e = ev as Partial<Record<keyof NostrEvent, unknown>>;
  if (!isHex64(e.id)) return 'id is not 64 lowercase hex';
  if (!isHex64(e.pubkey)) return 'pubkey is not 64 lowercase hex';
  if (!Number.isInteger(e.kind) || (e.kind as number) < 0 || (e.kind as number) > 65535) return 'kind is not an integer 0..65535';
  if (!Number.isInteger(e.created_at) || (e.created_at as number) < 0 || (e.created_at as number) > MAX_CREATED_AT)
    return 'created_at is not a usable unix time';
  if (typeof e.content !== 'string') return 'content is not a string';
  if (e.content.length > LIMITS.textLength) return `content is longer than ${LIMITS.textLength} characters`;
  if (!Array.isArray(e.tags)) return 'tags is not an array';
  if (e.tags.length > MAX_TAGS) return `more than ${MAX_TAGS} tags`;
  return undefined;
}

/** Lone UTF-16 surrogates become U+FFFD, as String.prototype.toWellFormed (ES2024) does. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Tags that are non-empty arrays of strings, their strings made well-formed; anything else is skipped. */
export function cleanTags(tags: readonly unknown[]): string[][] {
  const out: string[][] = [];
  for (const tag of tags) {
    if (!Array.isArray(tag) || tag.length === 0 || tag.length > 64) continue;
    if (!tag.every((x) => typeof x === 'string' && x.length <= LIMITS.textLength)) continue;
    out.push((tag as string[]).map(wellFormed));
  }
  return out;
}

/** First value of the first tag named `name`. */
export function tagValue(tags: readonly string[][], name: string): string | undefined {
  return tags.find((t) => t[0] === name && t[1] !== undefined)?.[1];
}

export function isoFromUnix(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** Only http(s) URLs of a sane length become links or attachments (no `javascript:` or `data:`). */
export function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > LIMITS.idLength) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}

const MEDIA_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  m3u8: 'application/vnd.apple.mpegurl',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  flac: 'audio/flac',
};

/** Media type from a URL's extension (how Nostr clients decide a bare URL is an image). */
export function mediaTypeFromUrl(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const ext = /\.([a-z0-9]{2,5})$/i.exec(path)?.[1]?.toLowerCase();
  return ext ? MEDIA_TYPES[ext] : undefined;
}

/** A bounded single-line string, or undefined. */
export function shortText(value: unknown, max = 1000): string | undefined {
  if (typeof value !== 'string') return undefined;
  const s = wellFormed(value).trim();
  return s.length > 0 && s.length <= max ? s : undefined;
}
