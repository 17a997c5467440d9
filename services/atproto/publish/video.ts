/**
 * Video for posts (app.bsky.embed.video): fetched like images (every redirect hop through the
 * AddressGuard, size capped while reading), checked to be MP4, uploaded as a blob. There is no
 * transcoding here: a WebM or MOV from elsewhere is left out of the post (its text still goes).
 */
import { lexicons, type Agent } from '@atproto/api';
import type { AddressGuard } from '../../../libs/net/index.js';
import { EMBED, type BlobJson } from '../mapping/index.js';
import { fetchGuarded, MediaError } from './media.js';

/** The lexicon's own limit on the video blob (300 MB in the schemas we ship; 100 MB before). */
export const LEXICON_VIDEO_MAX_BYTES: number = (() => {
  const def = lexicons.getDefOrThrow(EMBED.video) as { properties?: { video?: { maxSize?: number } } };
  return def.properties?.video?.maxSize ?? 100_000_000;
})();

/**
 * What we hold in memory for one video: the lexicon's limit, but not more than 100 MB (the video
 * is read whole before the upload). The PDS has a limit of its own (PDS_BLOB_UPLOAD_LIMIT, 5 MB by
 * default, Bluesky's PDSs more): a larger video is refused there and left out.
 */
export const MAX_VIDEO_BYTES = Math.min(LEXICON_VIDEO_MAX_BYTES, 100_000_000);

/** The lexicon accepts only video/mp4: an ISO media file whose first box is `ftyp`. */
export function isMp4(bytes: Buffer): boolean {
  return bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp';
}

/** Fetch, check, upload: the blob ref for `embed.video`. */
export async function uploadVideo(agent: Agent, url: string, guard: AddressGuard, maxBytes = MAX_VIDEO_BYTES): Promise<BlobJson> {
  const fetched = await fetchGuarded(url, guard, maxBytes);
  // Servers say video/mp4 for MOV and the other way round; the bytes decide.
  if (!isMp4(fetched.bytes)) throw new MediaError(`not an MP4 video (${fetched.mediaType || 'no type'}); Bluesky takes video/mp4 only`);
  const res = await agent.com.atproto.repo.uploadBlob(fetched.bytes, { encoding: 'video/mp4' });
  const blob = res.data.blob as unknown as { toJSON?: () => BlobJson } & BlobJson;
  return typeof blob.toJSON === 'function' ? (blob.toJSON() as BlobJson) : blob;
}
