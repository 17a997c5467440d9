import { DeliveryError } from '../../../libs/adapter/index.js';
import type { Attachment } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import type { PodClient, UrlGuard } from '../pod/index.js';

const log = createLogger('solid-media');
/** Larger binaries stay at their origin (linked, not copied). */
export const MAX_MEDIA_BYTES = 8 * 1024 * 1024;

/**
 * Copies an attachment's binary into the pod's social/media/ so the post keeps its media if the
 * origin goes away. Best effort: an origin that is unreachable, refused by the address guard,
 * too large or not what it claims leaves the attachment linked at its origin.
 */
export async function copyMedia(o: { client: PodClient; guard?: UrlGuard; fetchImpl?: typeof fetch }, a: Attachment, target: string): Promise<boolean> {
  try {
    if (!/^https?:\/\//.test(a.url)) return false;
    if (o.guard && !(await o.guard.check(a.url)).ok) return false;
    // The guard's pinned connection, when it has one: the address it approved is the one connected to.
    const get = o.fetchImpl ?? (o.guard?.fetch ? o.guard.fetch.bind(o.guard) : fetch);
    const res = await get(a.url, { redirect: 'error', signal: AbortSignal.timeout(20_000) });
    if (!res.ok || !res.body) return false;
    if (Number(res.headers.get('content-length') ?? 0) > MAX_MEDIA_BYTES) {
      await res.body.cancel();
      return false;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > MAX_MEDIA_BYTES) return false;
      chunks.push(chunk);
    }
    await o.client.putBytes(target, Buffer.concat(chunks), a.mediaType);
    return true;
  } catch (err) {
    // A pod refusing the write is the delivery's problem, not the media's: let it surface.
    if (err instanceof DeliveryError && err.target === target) throw err;
    log.warn('attachment not copied; linked at its origin', { url: a.url, err: (err as Error).message });
    return false;
  }
}
