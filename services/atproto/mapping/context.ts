/**
 * What the pure mapper needs from the I/O layer, and what it hands back. Everything is data or a
 * synchronous lookup answered from memory the adapter loaded beforehand (no I/O inside).
 */
import type { BridgeEvent } from '../../../libs/events/index.js';
import type { BlobJson, StrongRef } from './atproto-records.js';

/** One repo operation from a verified firehose commit (or a test fixture). */
export interface RepoOp {
  action: 'create' | 'update' | 'delete';
  did: string;
  collection: string;
  rkey: string;
  /** CID of the record (create/update). */
  cid?: string;
  /** The record (create/update); untrusted until validated. */
  record?: unknown;
  /** When the relay/PDS sequenced the commit (ISO). */
  time: string;
}

/** What the adapter remembered about a record when it was created: deletes arrive without the record. */
export interface KeptRecord {
  cid?: string;
  /** follow/block: the DID followed or blocked. */
  subject?: string;
}

export interface InboundContext {
  /** DIDs of the accounts Pontis hosts on its PDS: their records are our own copies (echo). */
  isBridged?: (did: string) => boolean;
  /** The author's current handle (from the identity table or a #identity event). */
  handle?: string;
  /** Handles of mentioned DIDs, when known. */
  handleOf?: (did: string) => string | undefined;
  /** A URL the blob can be fetched from (the author's PDS `com.atproto.sync.getBlob`). */
  blobUrl?: (did: string, cid: string) => string;
  /** A web link to a post (`https://bsky.app/profile/<did>/post/<rkey>`). */
  permalink?: (did: string, rkey: string) => string;
  /** For deletes: what was kept about the record at (did, collection, rkey). */
  kept?: KeptRecord;
}

export interface MapResult {
  events: BridgeEvent[];
  ignored?: string;
}

/** One write to the repo of the identity we publish as. */
export type RepoWrite =
  | { action: 'create'; collection: string; rkey: string; record: Record<string, unknown> }
  | { action: 'put'; collection: string; rkey: string; record: Record<string, unknown> }
  | { action: 'delete'; collection: string; rkey: string };

export interface RenderContext {
  /** Our DID (the repo written to). */
  did: string;
  /** Uploaded blobs by the attachment URL they came from; attachments without one are left out. */
  blobs?: ReadonlyMap<string, BlobJson>;
  /** CIDs the I/O layer looked up for refs that came without one (URI → CID). */
  cids?: ReadonlyMap<string, string>;
  /** The current profile record (profile.updated keeps the fields we do not map, e.g. pinnedPost). */
  currentProfile?: Record<string, unknown>;
  /** follow.deleted/block.deleted without a mapped target: the record found by subject. */
  existingRkey?: string;
  /** Link card for the post's first link, from the original's metadata (the I/O layer fetched it). */
  linkCard?: { uri: string; title: string; description: string; thumb?: BlobJson };
  /** Post long text as a thread instead of truncating (the account's choice). */
  threadLongText?: boolean;
  /** post.deleted of a thread's first part: the rkeys of its other parts (atproto_records). */
  threadRkeys?: readonly string[];
}

export interface RenderResult {
  writes: RepoWrite[];
  /** The write whose record is the copy (its URI and CID go into the receipt). */
  primary?: number;
  /**
   * The writes add a record beside the object's copy instead of making one (an edit's correction
   * reply): the copy stays `refs.target`, and the new record is not mapped as a copy of the object.
   */
  aside?: boolean;
  /**
   * The writes are the parts of one long post: each after the first replies to the one before it.
   * Their `reply` refs need the CID of the part before, known only once it is written, so the
   * deliverer fills them in (root: the first part, or the first part's own root when it replies).
   */
  thread?: boolean;
  skipped?: string;
}

export type { StrongRef };
