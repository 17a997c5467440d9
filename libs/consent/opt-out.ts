import type { DataSource } from 'typeorm';
import type { Bus } from '../bus/index.js';
import { TOPICS, validateEvent, type BridgeEvent, type Network } from '../events/index.js';

/** The opt-out is recorded, but its removal events did not reach the bus; calling optOut again resends them (same ids). */
export class OptOutDeliveryError extends Error {
  constructor(
    readonly accountId: string,
    cause: unknown,
  ) {
    super(`account ${accountId} is opted out, but the removal of its proxies could not be queued (${(cause as Error)?.message ?? String(cause)}); opt out again to retry`);
    this.name = 'OptOutDeliveryError';
  }
}

export interface OptOutResult {
  accountId: string;
  /** false when the account had already opted out (the deletions are sent again all the same). */
  changed: boolean;
  /** One account.deleted event per native identity; the translator turns each into a removal of the proxies on every other network. */
  events: string[];
}

/**
 * Opts an account out and removes its proxies everywhere. The consent change and its audit entry
 * commit first, so nothing new is bridged from that moment; then one account.deleted event per
 * native identity goes on the bus, and the translator sends each bridged identity's adapter a
 * removal (Delete on the fediverse, NIP-09 + NIP-62 on Nostr, ...). The event ids carry the
 * opt-out's timestamp: a retry of the same opt-out is deduplicated, a later one is not.
 * Shared by the admin API and any adapter's own opt-out (e.g. unlinking a Nostr key).
 */
export async function optOut(ds: DataSource, bus: Bus, accountId: string, o: { actor: string; reason?: string }): Promise<OptOutResult | undefined> {
  const state = await ds.transaction(async (tx) => {
    const [acct]: { consent: string; updated_at: Date }[] = await tx.query(`SELECT consent, updated_at FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
    if (!acct) return undefined;
    const changed = acct.consent !== 'opted_out';
    let at = new Date(acct.updated_at);
    if (changed) {
      // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
      const [[row]]: [{ updated_at: Date }[], number] = await tx.query(`UPDATE accounts SET consent = 'opted_out', updated_at = now() WHERE id = $1 RETURNING updated_at`, [accountId]);
      at = new Date(row!.updated_at);
      await tx.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, 'account.opt-out', $2, $3::jsonb)`, [o.actor, `account:${accountId}`, JSON.stringify(o.reason ? { reason: o.reason } : {})]);
    }
    const natives: { network: Network; native_id: string; handle: string | null }[] = await tx.query(
      `SELECT network, native_id, handle FROM identities WHERE account_id = $1 AND kind = 'native' ORDER BY network, native_id`,
      [accountId],
    );
    return { changed, at, natives };
  });
  if (!state) return undefined;
  const events = state.natives.map((n) => accountDeleted(n.network, n.native_id, n.handle, state.at));
  if (events.length) {
    try {
      await bus.publish(TOPICS.events, events.map((e) => ({ key: e.actor.id, value: JSON.stringify(e) })));
    } catch (err) {
      throw new OptOutDeliveryError(accountId, err);
    }
  }
  return { accountId, changed: state.changed, events: events.map((e) => e.id) };
}

function accountDeleted(network: Network, id: string, handle: string | null, at: Date): BridgeEvent {
  const mark = `#opt-out-${at.getTime()}`;
  return validateEvent({
    v: 1,
    id: `${network}:${id}${mark}`,
    type: 'account.deleted',
    occurredAt: at.toISOString(),
    source: { network, id: `${id}${mark}` },
    actor: handle ? { network, id, handle } : { network, id },
    trace: { origin: network, hops: 0 },
  });
}
