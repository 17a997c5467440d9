/**
 * The record shapes the mapper reads and writes, and their NSIDs taken from @atproto/api's
 * generated `ids` (never written by hand). Inbound records are untrusted: every field is optional
 * here and checked where it is used (after lexicon validation).
 */
import { ids } from '@atproto/api';

export const COLLECTION = {
  post: ids.AppBskyFeedPost,
  like: ids.AppBskyFeedLike,
  repost: ids.AppBskyFeedRepost,
  follow: ids.AppBskyGraphFollow,
  block: ids.AppBskyGraphBlock,
  profile: ids.AppBskyActorProfile,
} as const;
export type Collection = (typeof COLLECTION)[keyof typeof COLLECTION];
export const COLLECTIONS: readonly string[] = Object.values(COLLECTION);

export const EMBED = {
  images: ids.AppBskyEmbedImages,
  external: ids.AppBskyEmbedExternal,
  record: ids.AppBskyEmbedRecord,
  recordWithMedia: ids.AppBskyEmbedRecordWithMedia,
  video: ids.AppBskyEmbedVideo,
  gallery: ids.AppBskyEmbedGallery,
} as const;

export const FACET_FEATURE = {
  facet: ids.AppBskyRichtextFacet,
  mention: `${ids.AppBskyRichtextFacet}#mention`,
  link: `${ids.AppBskyRichtextFacet}#link`,
  tag: `${ids.AppBskyRichtextFacet}#tag`,
} as const;

export const SELF_LABELS = `${ids.ComAtprotoLabelDefs}#selfLabels`;

/** The profile record's only key. */
export const PROFILE_RKEY = 'self';

/** A blob as JSON: `ref` is `{ $link: cid }` on the wire; a decoded firehose record holds a CID object instead. */
export interface BlobJson {
  $type: 'blob';
  ref: unknown;
  mimeType: string;
  size: number;
}

export interface StrongRef {
  uri: string;
  cid: string;
}

export interface AtFacet {
  $type?: string;
  index: { byteStart: number; byteEnd: number };
  features: { $type: string; did?: string; uri?: string; tag?: string }[];
}

export interface AtImage {
  image: BlobJson;
  alt: string;
  aspectRatio?: { width: number; height: number };
}

/** Records as found in a repo or a firehose commit (after validation against their lexicon). */
export interface AtPostRecord {
  $type?: string;
  text: string;
  createdAt: string;
  facets?: AtFacet[];
  reply?: { root: StrongRef; parent: StrongRef };
  embed?: AtEmbed;
  langs?: string[];
  labels?: { $type?: string; values?: { val: string }[] };
  tags?: string[];
}

export type AtEmbed = { $type?: string; [k: string]: unknown };

export interface AtProfileRecord {
  $type?: string;
  displayName?: string;
  description?: string;
  avatar?: BlobJson;
  banner?: BlobJson;
  website?: string;
  [k: string]: unknown;
}

/** `at://<did>/<collection>/<rkey>` */
export function atUri(did: string, collection: string, rkey: string): string {
  return `at://${did}/${collection}/${rkey}`;
}

export function parseAtUri(uri: string): { did: string; collection: string; rkey: string } | undefined {
  const m = /^at:\/\/(did:[a-z]+:[a-zA-Z0-9._:%-]+)\/([a-zA-Z0-9.-]+)\/([a-zA-Z0-9._:~-]{1,512})$/.exec(uri);
  return m ? { did: m[1]!, collection: m[2]!, rkey: m[3]! } : undefined;
}

/** The CID string of a blob ref in either form (JSON `{ $link }` or a decoded CID object). */
export function blobCid(blob: unknown): string | undefined {
  if (!blob || typeof blob !== 'object') return undefined;
  const ref = (blob as { ref?: unknown; cid?: unknown }).ref ?? (blob as { cid?: unknown }).cid;
  if (typeof ref === 'string') return ref;
  if (ref && typeof ref === 'object') {
    const link = (ref as { $link?: unknown }).$link;
    if (typeof link === 'string') return link;
    const s = String(ref);
    if (s && s !== '[object Object]') return s;
  }
  return undefined;
}
