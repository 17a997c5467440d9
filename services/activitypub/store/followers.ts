/**
 * Followers of our bridged actors, kept the way apex keeps them (a Follow activity in the stream
 * whose collections include the actor's followers IRI), so apex's followers route lists them.
 */
import type { AsObject } from '../mapping/index.js';
import type { ApexPostgresStore } from './apex-postgres-store.js';
import { apexForm, inboxOf } from './apex-form.js';

export class Followers {
  constructor(private readonly store: ApexPostgresStore) {}

  static collectionOf(actorId: string): string {
    return `${actorId}/followers`;
  }

  /** Records the follow (idempotent) and the follower's document (for its inbox). */
  async add(localActorId: string, follow: AsObject, followerDoc: AsObject): Promise<void> {
    await this.store.upsertObject({ ...apexForm(followerDoc), _meta: { raw: followerDoc } });
    const collection = Followers.collectionOf(localActorId);
    const saved = await this.store.saveActivity({ ...apexForm(follow), _meta: { collection: [collection, `${localActorId}/inbox`], raw: follow } });
    if (!saved) await this.store.updateActivityMeta(follow, 'collection', collection);
  }

  async remove(localActorId: string, followerId: string): Promise<number> {
    const collection = Followers.collectionOf(localActorId);
    let n = 0;
    for (;;) {
      const follow = await this.store.findActivityByCollectionAndActorId(collection, followerId);
      if (!follow) return n;
      await this.store.updateActivityMeta(follow, 'collection', collection, true);
      n++;
    }
  }

  /** Delivery inboxes of everyone following `localActorId`, shared inboxes merged. */
  async inboxes(localActorId: string): Promise<{ inbox: string; followers: string[] }[]> {
    const items = await this.store.getStream(Followers.collectionOf(localActorId), 0);
    const byInbox = new Map<string, string[]>();
    for (const item of items) {
      const actor = (item.actor as AsObject[])[0]!;
      const inbox = inboxOf(actor, true);
      if (!inbox) continue;
      byInbox.set(inbox, [...(byInbox.get(inbox) ?? []), actor.id as string]);
    }
    return [...byInbox].map(([inbox, followers]) => ({ inbox, followers }));
  }

  async ids(localActorId: string): Promise<string[]> {
    const items = await this.store.getStream(Followers.collectionOf(localActorId), 0);
    return items.map((i) => (i.actor as AsObject[])[0]!.id as string);
  }
}
