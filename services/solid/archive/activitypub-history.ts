import type { BridgeEvent } from '../../../libs/events/index.js';
import { readCapped } from '../../../libs/net/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import { idOf, isObject, toEvents } from '../../activitypub/mapping/index.js';
import { remoteFetch, type UrlGuard } from '../pod/index.js';
import { fetchEach, type HistorySource, type Original } from './history-source.js';

const log = createLogger('solid-archive-activitypub');
const MAX_BYTES = 512 * 1024;
const ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

/**
 * Past fediverse posts, dereferenced at their id (an unsigned GET, as any reader would: servers
 * in authorized-fetch mode answer 401 and the post counts as not found), through the address
 * guard's pinned connection, and normalized with the ActivityPub adapter's pure mapping as if it had been delivered
 * in a Create. Only objects attributed to one of the person's actors, on that actor's server.
 */
export class ActivityPubHistory implements HistorySource {
  readonly network = 'activitypub' as const;

  constructor(private readonly o: { guard?: UrlGuard; concurrency?: number }) {}

  fetch(originals: Original[], authors: string[]): Promise<Map<string, BridgeEvent>> {
    return fetchEach(originals, (id) => this.one(id, authors), { concurrency: this.o.concurrency, log });
  }

  private async one(id: string, authors: string[]): Promise<BridgeEvent | undefined> {
    if (this.o.guard && !(await this.o.guard.check(id)).ok) return undefined;
    const res = await remoteFetch(this.o.guard)(id, { headers: { accept: ACCEPT }, redirect: 'error', signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const object: unknown = JSON.parse(await readCapped(res, MAX_BYTES));
    if (!isObject(object) || idOf(object.id) !== id) return undefined;
    const author = idOf(object.attributedTo);
    if (!author || !authors.includes(author) || new URL(author).origin !== new URL(id).origin) return undefined;
    const { '@context': context, ...embedded } = object;
    const create = { '@context': context, id: `${id}#pontis-archive`, type: 'Create', actor: author, object: embedded, published: object.published, to: object.to, cc: object.cc };
    return toEvents(create).events.find((e) => e.type === 'post.created');
  }
}
