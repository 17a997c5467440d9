/**
 * A person's own fediverse account (native identity). Proof of control: a Follow of the bridge's
 * instance actor, which only their server can sign as them (the inbox checks signature and key
 * owner), the way Bridgy Fed's bot accounts take consent. The follow links the actor as a native
 * identity of an opted-in account, and the instance actor follows them back so their posts reach
 * the bridge (and are mirrored out). Undo of that follow opts them out.
 */
import type { DataSource } from 'typeorm';
import { createLogger } from '../../../libs/observability/index.js';
import type { AsObject } from '../mapping/index.js';

const log = createLogger('activitypub-link');

export type LinkResult = { ok: true; accountId: string; created: boolean } | { ok: false; reason: string };

export class FediverseLinks {
  constructor(private readonly ds: DataSource) {}

  async link(actorId: string, handle: string | undefined): Promise<LinkResult> {
    return this.ds.transaction(async (m) => {
      const found: { account_id: string; kind: string }[] = await m.query(`SELECT account_id, kind FROM identities WHERE network = 'activitypub' AND native_id = $1 FOR UPDATE`, [actorId]);
      const existing = found[0];
      if (existing?.kind === 'bridged') return { ok: false, reason: 'this actor is one of the bridge’s own' };
      if (existing) {
        await m.query(`UPDATE identities SET verified_at = now(), handle = COALESCE($2, handle) WHERE network = 'activitypub' AND native_id = $1`, [actorId, handle ?? null]);
        await m.query(`UPDATE accounts SET consent = 'opted_in', updated_at = now() WHERE id = $1 AND status = 'active'`, [existing.account_id]);
        return { ok: true, accountId: existing.account_id, created: false };
      }
      const [account]: { id: string }[] = await m.query(`INSERT INTO accounts (consent) VALUES ('opted_in') RETURNING id`);
      await m.query(`INSERT INTO identities (account_id, network, native_id, handle, kind, verified_at) VALUES ($1, 'activitypub', $2, $3, 'native', now())`, [account!.id, actorId, handle ?? null]);
      return { ok: true, accountId: account!.id, created: true };
    });
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
