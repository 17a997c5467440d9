import type { CacheResult, DidCache, DidDocument } from '@atproto/identity';
import type { Firehose } from '@atproto/sync';
import { Lru } from '../../../libs/collections/index.js';

const IDENTITY = 'com.atproto.sync.subscribeRepos#identity';
const HOUR = 3_600_000;

/**
 * DID documents for commit verification, bounded. Without a cache @atproto/identity fetches the
 * document from the PLC directory for every commit it verifies: one HTTP round trip per watched
 * commit, which is what held the ingest to a few hundred commits/s (docs/BENCHMARKS.md).
 *
 * Freshness: a document is used for `staleMs` (default 1 h, as Bluesky's AppView), then fetched
 * again before use; a commit that fails verification with the cached key is retried once with a
 * fresh document by @atproto/sync (a rotated key is picked up at once); and an #identity message
 * on the firehose, which a PDS emits when the document changes, drops the DID's entry before its
 * events are handled (`forgetOnIdentity`). What stays: a key rotated at the directory without an
 * #identity event is still trusted until its entry goes stale.
 */
export class BoundedDidCache implements DidCache {
  private readonly docs: Lru<{ doc: DidDocument; updatedAt: number }>;

  constructor(
    max = 50_000,
    private readonly staleMs = HOUR,
    private readonly now: () => number = Date.now,
  ) {
    this.docs = new Lru(max);
  }

  get size(): number {
    return this.docs.size;
  }

  async cacheDid(did: string, doc: DidDocument): Promise<void> {
    this.docs.set(did, { doc, updatedAt: this.now() });
  }

  async checkCache(did: string): Promise<CacheResult | null> {
    const hit = this.docs.get(did);
    if (!hit) return null;
    // Stale counts as expired: BaseResolver then fetches before use instead of using the old one.
    const expired = this.now() > hit.updatedAt + this.staleMs;
    return { did, doc: hit.doc, updatedAt: hit.updatedAt, stale: expired, expired };
  }

  async refreshCache(did: string, getDoc: () => Promise<DidDocument | null>): Promise<void> {
    const doc = await getDoc();
    if (doc) await this.cacheDid(did, doc);
    else this.docs.delete(did);
  }

  async clearEntry(did: string): Promise<void> {
    this.docs.delete(did);
  }

  async clear(): Promise<void> {
    this.docs.clear();
  }

  forget(did: string): void {
    this.docs.delete(did);
  }
}

/**
 * Drops a DID's cached document when its #identity message is read, in the Firehose's read loop,
 * before the runner queues it: the identity event itself (handle check) and every later commit of
 * that repo see the new document. Reaches the same private subscription as firehose-prefilter.ts.
 */
export function forgetOnIdentity(firehose: Firehose, cache: BoundedDidCache): void {
  const sub = (firehose as unknown as { sub?: { opts?: { validate?: (value: unknown) => unknown } } }).sub;
  const validate = sub?.opts?.validate;
  if (!sub?.opts || typeof validate !== 'function') throw new Error('@atproto/sync Firehose has no subscription validator to wrap: the DID cache needs updating for this version');
  sub.opts.validate = (value: unknown) => {
    const v = value as { $type?: unknown; did?: unknown };
    if (v && v.$type === IDENTITY && typeof v.did === 'string') cache.forget(v.did);
    return validate(value);
  };
}
