import type { BackfillSource } from '../../../libs/backfill/index.js';
import type { BridgeEvent, ObjectRef } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { folderUrl, toEvents } from '../mapping/index.js';
import type { PodClient, PodRepository, PodRow } from '../pod/index.js';

const log = createLogger('solid-backfill');
/** Members of an outbox read at most: a pod keeps one resource per post, and times are inside them. */
const MAX_MEMBERS = 1_000;
const CONCURRENCY = 4;

export interface SolidBackfillOptions {
  /** The bridge's WebID's client: it holds Read on the social/ folder of every linked pod. */
  client: Pick<PodClient, 'get' | 'list'>;
  repo: Pick<PodRepository, 'byWebId' | 'linked'>;
}

/**
 * A Solid person's last posts out of their own pod (the reverse of the archive, which copies posts
 * into it): the `social/outbox/` container's members read with the bridge's WebID and mapped by the
 * adapter's mapper as the reconciler maps a new resource, so the event id (`solid:<resource URL>`)
 * is the one live ingest gives. Resource names say nothing about time: every member is read (up to
 * a bound) and the backfill keeps the newest by `published`. Roots and parents are read only from
 * pods the bridge watches (a linked person's): another server's resource is not ours to ask for
 * with the bridge's token.
 */
export class SolidBackfillSource implements BackfillSource {
  readonly network = 'solid' as const;

  constructor(private readonly o: SolidBackfillOptions) {}

  async latestPosts(webId: string, _count: number): Promise<BridgeEvent[]> {
    const pod = await this.o.repo.byWebId(webId);
    if (!pod || pod.mode !== 'linked') throw new Error(`no linked pod for ${webId}`);
    const listing = await this.o.client.list(folderUrl(pod.socialUrl, 'outbox'));
    if (listing.status !== 200) throw new Error(`the outbox of ${webId} answered ${listing.status}`);
    const members = listing.members.filter((m) => !m.endsWith('/')).slice(0, MAX_MEMBERS);
    const out: BridgeEvent[] = [];
    const queue = [...members];
    const worker = async () => {
      for (let url = queue.shift(); url; url = queue.shift()) {
        const event = await this.read(url, pod).catch((err: unknown) => {
          log.warn('pod resource not read', { url, err: String(err) });
          return undefined;
        });
        if (event) out.push(event);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return out;
  }

  async post(ref: ObjectRef): Promise<BridgeEvent | undefined> {
    const pods = await this.o.repo.linked();
    const pod = pods.find((p) => ref.id.startsWith(folderUrl(p.socialUrl, 'outbox')));
    return pod ? this.read(ref.id, pod) : undefined;
  }

  private async read(url: string, pod: PodRow): Promise<BridgeEvent | undefined> {
    const res = await this.o.client.get(url, 'application/ld+json, */*;q=0.1');
    if (res.status !== 200) return undefined;
    const mapped = toEvents(
      { url, folder: 'outbox', body: res.body, contentType: res.contentType ?? undefined, etag: res.etag ?? undefined, publiclyReadable: res.public.has('read') },
      { owner: { webId: pod.webId, socialUrl: pod.socialUrl } },
    );
    return mapped.events.find((e) => e.type === 'post.created');
  }
}
