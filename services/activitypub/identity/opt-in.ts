/**
 * A person's own fediverse account (native identity). Proof of control: a Follow of the bridge's
 * instance actor, which only their server can sign as them (the inbox checks signature and key
 * owner), the way Bridgy Fed's bot accounts take consent. The follow links the actor as a native
 * identity of an opted-in account, and the instance actor follows them back so their posts reach
 * the bridge (and are mirrored out). Undo of that follow opts them out.
 */
import type { DataSource } from 'typeorm';
import { linkNativeIdentity } from '../../../libs/store/index.js';
import { createLogger } from '../../../libs/observability/index.js';
import type { AsObject } from '../mapping/index.js';

const log = createLogger('activitypub-link');

export type LinkResult = { ok: true; accountId: string; created: boolean } | { ok: false; reason: string };

export class FediverseLinks {
  constructor(private readonly ds: DataSource) {}

  async link(actorId: string, handle: string | undefined, intoAccount?: string): Promise<LinkResult> {
    const r = await linkNativeIdentity(this.ds, { network: 'activitypub', nativeId: actorId, handle, intoAccount });
    return r.ok ? { ok: true, accountId: r.accountId, created: r.created } : { ok: false, reason: r.reason };
  }

  async unlink(actorId: string): Promise<void> {
    await this.ds.query(
      `UPDATE accounts SET consent = 'opted_out', updated_at = now() WHERE id IN (SELECT account_id FROM identities WHERE network = 'activitypub' AND native_id = $1 AND kind = 'native')`,
      [actorId],
    );
  }
}

/** What the inbox calls when someone follows or unfollows the instance actor. */
export function optInHandlers(o: { links: FediverseLinks; instanceActorId: string; followBack: (person: AsObject) => Promise<void> }) {
  return {
    async followed(person: AsObject, handle: string | undefined): Promise<void> {
      const r = await o.links.link(person.id as string, handle);
      if (!r.ok) return void log.info('link refused', { actor: person.id, reason: r.reason });
      log.info('fediverse account linked', { actor: person.id, created: r.created });
      await o.followBack(person);
    },
    async unfollowed(actorId: string): Promise<void> {
      await o.links.unlink(actorId);
      log.info('fediverse account opted out', { actor: actorId });
    },
  };
}
