import type { BackfillSource } from '../../../libs/backfill/index.js';
import type { BridgeEvent, ObjectRef } from '../../../libs/events/index.js';
import { AddressGuard, readCapped } from '../../../libs/net/index.js';
import { createIdResolver } from '../identity/id-resolver.js';
import { COLLECTION, parseAtUri, toEvents } from '../mapping/index.js';

const MAX_PAGE_BYTES = 2_000_000;
const MAX_RECORD_BYTES = 256 * 1024;
/** listRecords answers at most 100 a page. */
const PAGE = 100;

interface ListedRecord {
  uri?: unknown;
  cid?: unknown;
  value?: unknown;
}

export interface AtprotoBackfillOptions {
  plcUrl: string;
  /** The PDS the bridge operates: trusted as configured (it may be on loopback). */
  ownPds?: string;
  allowPrivate: boolean;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

/**
 * A Bluesky person's last posts from their own PDS (DID document → PDS): the public
 * `com.atproto.repo.listRecords` of `app.bsky.feed.post`, newest first, paged by cursor; roots and
 * parents by `com.atproto.repo.getRecord`. Each record goes through the adapter's mapper as a repo
 * create, as the firehose would deliver it (lexicon-validated; the event id is the at:// URI there
 * as here, so what was bridged live is a duplicate).
 */
export class AtprotoBackfillSource implements BackfillSource {
  readonly network = 'atproto' as const;
  private readonly resolver;
  private readonly guard: AddressGuard;

  constructor(private readonly o: AtprotoBackfillOptions) {
    this.resolver = createIdResolver(o.plcUrl, o.allowPrivate, o.ownPds);
    this.guard = new AddressGuard({ allowPrivate: o.allowPrivate });
  }

  async latestPosts(did: string, count: number): Promise<BridgeEvent[]> {
    const { pds, handle } = await this.home(did);
    const out: BridgeEvent[] = [];
    let cursor: string | undefined;
    while (out.length < count) {
      const q = new URLSearchParams({ repo: did, collection: COLLECTION.post, limit: String(Math.min(PAGE, count - out.length)) });
      if (cursor) q.set('cursor', cursor);
      const page = (await this.getJson(`${pds}/xrpc/com.atproto.repo.listRecords?${q}`, MAX_PAGE_BYTES)) as { records?: ListedRecord[]; cursor?: string } | undefined;
      if (!page) throw new Error(`${pds} did not list the posts of ${did}`);
      const records = Array.isArray(page.records) ? page.records : [];
      for (const r of records) {
        const e = this.map(r, did, pds, handle);
        if (e) out.push(e);
      }
      if (!records.length || typeof page.cursor !== 'string' || page.cursor === cursor) break;
      cursor = page.cursor;
    }
    return out;
  }

  async post(ref: ObjectRef): Promise<BridgeEvent | undefined> {
    const at = parseAtUri(ref.id);
    if (!at || at.collection !== COLLECTION.post) return undefined;
    const { pds, handle } = await this.home(at.did);
    const got = (await this.getJson(`${pds}/xrpc/com.atproto.repo.getRecord?${new URLSearchParams({ repo: at.did, collection: at.collection, rkey: at.rkey })}`, MAX_RECORD_BYTES)) as ListedRecord | undefined;
    return got && got.uri === ref.id ? this.map(got, at.did, pds, handle) : undefined;
  }

  private async home(did: string): Promise<{ pds: string; handle?: string }> {
    const data = await this.resolver.did.resolveAtprotoData(did);
    const handle = data.handle && data.handle !== 'handle.invalid' ? data.handle : undefined;
    return { pds: data.pds.replace(/\/$/, ''), handle };
  }

  private map(r: ListedRecord, did: string, pds: string, handle: string | undefined): BridgeEvent | undefined {
    const at = typeof r.uri === 'string' ? parseAtUri(r.uri) : undefined;
    // A PDS answers for the repo asked about only: anything else in the answer is not this person's.
    if (!at || at.did !== did || at.collection !== COLLECTION.post || !r.value || typeof r.value !== 'object') return undefined;
    const createdAt = (r.value as { createdAt?: unknown }).createdAt;
    const time = typeof createdAt === 'string' ? createdAt : new Date(0).toISOString();
    const op = { action: 'create' as const, did, collection: at.collection, rkey: at.rkey, cid: typeof r.cid === 'string' ? r.cid : undefined, record: r.value as Record<string, unknown>, time };
    return toEvents(op, {
      handle,
      blobUrl: (d, cid) => `${pds}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(d)}&cid=${encodeURIComponent(cid)}`,
      permalink: (d, rkey) => `https://bsky.app/profile/${d}/post/${rkey}`,
    }).events.find((e) => e.type === 'post.created');
  }

  private async getJson(url: string, maxBytes: number): Promise<unknown> {
    const own = this.o.ownPds && new URL(this.o.ownPds).origin === new URL(url).origin;
    if (!own) {
      const verdict = await this.guard.check(url);
      if (!verdict.ok) throw new Error(`refused ${url}: ${verdict.reason}`);
    }
    const res = await (this.o.fetchImpl ?? fetch)(url, { redirect: 'error', signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
    if (res.status === 400 || res.status === 404) {
      // RecordNotFound / RepoNotFound: gone, not a failure of the server.
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${new URL(url).origin} answered ${res.status}`);
    }
    return JSON.parse(await readCapped(res, maxBytes));
  }
}
