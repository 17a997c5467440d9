/**
 * Media for posts and profiles: fetched from where the original lives (attacker-controlled URLs:
 * every hop checked by the AddressGuard, size capped while reading), re-encoded when the lexicon's
 * limits require it, then uploaded as a blob. A picture that cannot be had is left out of the
 * post (the text still goes): a broken attachment must not hold up a whole thread.
 */
import sharp from 'sharp';
import type { Agent } from '@atproto/api';
import type { AddressGuard } from '../../../libs/net/index.js';
import type { BlobJson } from '../mapping/index.js';

/** app.bsky.embed.images `image` maxSize (bytes); profile avatar/banner use the same 1,000,000. */
export const MAX_IMAGE_BYTES = 1_000_000;
/** What we read from a remote server at most before giving up on a file. */
export const MAX_FETCH_BYTES = 20 * 1024 * 1024;
const ACCEPTED = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
const MAX_REDIRECTS = 3;

export class MediaError extends Error {}

/** GET with every redirect hop checked by the guard and the body capped. */
export async function fetchGuarded(url: string, guard: AddressGuard, maxBytes = MAX_FETCH_BYTES): Promise<{ bytes: Buffer; mediaType: string }> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!/^https?:\/\//.test(current)) throw new MediaError(`not an http(s) URL: ${current}`);
    const verdict = await guard.check(current);
    if (!verdict.ok) throw new MediaError(`refused ${current}: ${verdict.reason}`);
    // Through the guard's pinned connection: the address it approved is the one connected to (DNS rebinding).
    const res = await guard.fetch(current, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      current = new URL(res.headers.get('location')!, current).toString();
      continue;
    }
    if (!res.ok || !res.body) throw new MediaError(`${current} answered ${res.status}`);
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) throw new MediaError(`${current} is ${declared} bytes (limit ${maxBytes})`);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > maxBytes) throw new MediaError(`${current} exceeds ${maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    return { bytes: Buffer.concat(chunks), mediaType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() };
  }
  throw new MediaError(`too many redirects from ${url}`);
}

/**
 * An image as the lexicon takes it: unchanged when it is a known format under the limit, else
 * re-encoded to JPEG, shrinking until it fits. sharp decodes it either way, so a file that is not
 * an image (whatever its Content-Type says) is refused here.
 */
export async function fitImage(bytes: Buffer, mediaType: string, maxBytes = MAX_IMAGE_BYTES): Promise<{ bytes: Buffer; mediaType: string; width?: number; height?: number }> {
  const meta = await sharp(bytes, { limitInputPixels: 100_000_000 }).metadata();
  if (!meta.format) throw new MediaError('not an image');
  const format = `image/${String(meta.format) === 'jpg' ? 'jpeg' : meta.format}`;
  if (bytes.length <= maxBytes && ACCEPTED.has(format) && (!mediaType || mediaType === format || !ACCEPTED.has(mediaType)))
    return { bytes, mediaType: format, width: meta.width, height: meta.height };
  let side = Math.min(2000, Math.max(meta.width ?? 2000, meta.height ?? 2000));
  for (let quality = 85; side >= 200; quality = Math.max(50, quality - 10), side = Math.round(side * 0.75)) {
    const out = await sharp(bytes).rotate().resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true }).jpeg({ quality }).toBuffer({ resolveWithObject: true });
    if (out.data.length <= maxBytes) return { bytes: out.data, mediaType: 'image/jpeg', width: out.info.width, height: out.info.height };
  }
  throw new MediaError(`could not fit the image under ${maxBytes} bytes`);
}

/** Fetch, fit, upload: the blob ref to put in a record. */
export async function uploadImage(agent: Agent, url: string, guard: AddressGuard): Promise<BlobJson> {
  const fetched = await fetchGuarded(url, guard);
  const img = await fitImage(fetched.bytes, fetched.mediaType);
  const res = await agent.com.atproto.repo.uploadBlob(img.bytes, { encoding: img.mediaType });
  const blob = res.data.blob as unknown as { toJSON?: () => BlobJson } & BlobJson;
  return typeof blob.toJSON === 'function' ? (blob.toJSON() as BlobJson) : blob;
}
