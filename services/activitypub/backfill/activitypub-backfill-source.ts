import type { BackfillSource } from '../../../libs/backfill/index.js';
import type { BridgeEvent, ObjectRef } from '../../../libs/events/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import type { RemoteFetcher } from '../federation/remote-fetch.js';
import { hasType, idOf, isObject, toEvents, type AsObject } from '../mapping/index.js';

const log = createLogger('activitypub-backfill');
/** Pages of an outbox read at most (Mastodon: 20 items a page): a person with mostly boosts ends the search. */
const MAX_PAGES = 15;

export interface ActivityPubBackfillOptions {
  /** The adapter's fetcher: SSRF-guarded, size-capped, GETs signed by the instance actor (authorized fetch). */
  fetcher: Pick<RemoteFetcher, 'getJson'>;
  /** Origins the bridge serves actors on: their posts are our own copies (echo). */
  ownOrigins: readonly string[];
}

/**
 * A fediverse person's last posts from their outbox: the OrderedCollection's pages until `count` are found,
 * Create activities of public notes (an object given by reference is fetched), through the adapter's
 * signed, guarded fetcher and its mapper as if the Create had come to the inbox, so the event id
 * (`activitypub:<object id>`) is the one live delivery gives. Roots and parents by their id.
 */
export class ActivityPubBackfillSource implements BackfillSource {
  readonly network = 'activitypub' as const;

  constructor(private readonly o: ActivityPubBackfillOptions) {}

  async latestPosts(actorId: string, count: number): Promise<BridgeEvent[]> {
    const actor = await this.o.fetcher.getJson(actorId);
    if (idOf(actor.id) !== actorId) throw new Error(`${actorId} answered a document for ${String(actor.id)}`);
    const handle = typeof actor.preferredUsername === 'string' ? `@${actor.preferredUsername}@${new URL(actorId).host}` : undefined;
    const outboxUrl = idOf(actor.outbox);
    if (!outboxUrl || new URL(outboxUrl).origin !== new URL(actorId).origin) throw new Error(`${actorId} names no outbox on its own server`);
    const outbox = await this.o.fetcher.getJson(outboxUrl);
    const out: BridgeEvent[] = [];
    let page: unknown = outbox.orderedItems ? outbox : outbox.first;
    const seen = new Set<string>();
    for (let n = 0; n < MAX_PAGES && page && out.length < count; n++) {
      if (typeof page === 'string') {
        // A page is the outbox's own: another origin could feed us anyone's posts.
        if (new URL(page).origin !== new URL(actorId).origin || seen.has(page)) break;
        seen.add(page);
        page = await this.o.fetcher.getJson(page);
      }
      if (!isObject(page)) break;
      const items = Array.isArray(page.orderedItems) ? page.orderedItems : Array.isArray(page.items) ? page.items : [];
      // A whole page is read: servers differ in order (Mastodon newest first, others oldest first);
      // the backfill keeps the newest `count` by time.
      for (const item of items) {
        const event = await this.fromOutboxItem(item, actorId, handle).catch((err: unknown) => {
          log.warn('outbox item not read', { actor: actorId, item: typeof item === 'string' ? item : idOf((item as AsObject)?.id), err: String(err) });
          return undefined;
        });
        if (event) out.push(event);
      }
      page = page.next;
    }
    return out;
  }

  async post(ref: ObjectRef): Promise<BridgeEvent | undefined> {
    const object = await this.o.fetcher.getJson(ref.id).catch((err: unknown) => {
      log.info('thread post not fetched', { id: ref.id, err: String(err) });
      return undefined;
    });
    if (!object || idOf(object.id) !== ref.id) return undefined;
    const author = idOf(object.attributedTo);
    if (!author || new URL(author).origin !== new URL(ref.id).origin) return undefined;
    return this.asCreate(object, author, undefined);
  }

  private async fromOutboxItem(item: unknown, actorId: string, handle: string | undefined): Promise<BridgeEvent | undefined> {
    const activity = typeof item === 'string' ? await this.o.fetcher.getJson(item) : item;
    if (!isObject(activity) || !hasType(activity, 'Create') || idOf(activity.actor) !== actorId) return undefined;
    let object: unknown = activity.object;
    const objectId = idOf(object);
    if (!objectId || new URL(objectId).origin !== new URL(actorId).origin) return undefined;
    // Objects given by reference, or embedded but cut short, are read from where they live.
    if (!isObject(object)) object = await this.o.fetcher.getJson(objectId);
    if (!isObject(object) || idOf(object.id) !== objectId) return undefined;
    return this.asCreate(object, actorId, handle, activity);
  }

  /** The mapper's input as the inbox would have it: a Create by the author with the object embedded. */
  private asCreate(object: AsObject, author: string, handle: string | undefined, activity?: AsObject): BridgeEvent | undefined {
    const { '@context': context, ...embedded } = object;
    const create = {
      '@context': context ?? activity?.['@context'],
      id: idOf(activity?.id) ?? `${String(object.id)}#create`,
      type: 'Create',
      actor: author,
      object: embedded,
      published: object.published ?? activity?.published,
      to: object.to ?? activity?.to,
      cc: object.cc ?? activity?.cc,
    };
    return toEvents(create, { ownOrigins: this.o.ownOrigins, handleOf: (id) => (id === author ? handle : undefined) }).events.find((e) => e.type === 'post.created');
  }
}
