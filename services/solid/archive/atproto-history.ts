import type { BridgeEvent } from '../../../libs/events/index.js';
import { readCapped } from '../../../libs/net/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { createIdResolver } from '../../atproto/identity/id-resolver.js';
import { COLLECTION, parseAtUri, toEvents } from '../../atproto/mapping/index.js';
import { remoteFetch, type UrlGuard } from '../pod/index.js';
import { fetchEach, type HistorySource, type Original } from './history-source.js';

const log = createLogger('solid-archive-atproto');
const MAX_BYTES = 256 * 1024;

/**
 * Past Bluesky posts: the author's PDS from their DID document (the AT Protocol adapter's
 * resolver: PLC, did:web through the address guard), the record from its public
 * `com.atproto.repo.getRecord`, normalized by the adapter's pure mapping (lexicon-validated) as
 * a repo create. Only posts in the repos of the person's own DIDs. A PDS named by a DID document
 * is anyone's: reached through the guard's pinned connection; the operator's own PDS plainly.
 */
export class AtprotoHistory implements HistorySource {
  readonly network = 'atproto' as const;
  private readonly pdsOf: (did: string) => Promise<string>;

  constructor(
    private readonly o: {
      plcUrl: string;
      ownPds?: string;
      allowPrivate: boolean;
      guard?: UrlGuard;
      concurrency?: number;
      /** A DID's PDS endpoint (default: its DID document, through the adapter's resolver). */
      pdsOf?: (did: string) => Promise<string>;
    },
  ) {
    const resolver = o.pdsOf ? undefined : createIdResolver(o.plcUrl, o.allowPrivate, o.ownPds);
    this.pdsOf = o.pdsOf ?? (async (did) => (await resolver!.did.resolveAtprotoData(did)).pds);
  }

  fetch(originals: Original[], authors: string[]): Promise<Map<string, BridgeEvent>> {
    return fetchEach(originals, (id) => this.one(id, authors), { concurrency: this.o.concurrency, log });
  }

  private async one(uri: string, authors: string[]): Promise<BridgeEvent | undefined> {
    const at = parseAtUri(uri);
    if (!at || at.collection !== COLLECTION.post || !authors.includes(at.did)) return undefined;
    const pds = (await this.pdsOf(at.did)).replace(/\/$/, '');
    const url = `${pds}/xrpc/com.atproto.repo.getRecord?${new URLSearchParams({ repo: at.did, collection: at.collection, rkey: at.rkey })}`;
    const ownPds = this.o.ownPds && new URL(this.o.ownPds).origin === new URL(pds).origin;
    if (!ownPds && this.o.guard && !(await this.o.guard.check(url)).ok) return undefined;
    const res = await (ownPds ? fetch : remoteFetch(this.o.guard))(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const got = JSON.parse(await readCapped(res, MAX_BYTES)) as { uri?: string; cid?: string; value?: { createdAt?: string } };
    if (got.uri !== uri || !got.value) return undefined;
    const time = typeof got.value.createdAt === 'string' ? got.value.createdAt : new Date(0).toISOString();
    return toEvents({ action: 'create', did: at.did, collection: at.collection, rkey: at.rkey, cid: got.cid, record: got.value, time }).events.find((e) => e.type === 'post.created');
  }
}
