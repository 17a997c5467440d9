import type { EntityManager } from 'typeorm';
import type { ActorRef } from '../events/index.js';

type Q = Pick<EntityManager, 'query'>;

/** One block made or undone, as the event named it (the blocked actor is often someone's proxy). */
export interface BlockChange {
  op: 'add' | 'remove';
  blocker: ActorRef;
  blocked: ActorRef;
  /** The block's own native id (an AP Block id, an at:// URI), when it has one. */
  ref?: string;
}

/**
 * Applies block changes in order, one statement each: a block and its undo can arrive in the same
 * batch. Idempotent (a replayed batch ends in the same state).
 */
export async function applyBlockChanges(q: Q, changes: BlockChange[]): Promise<void> {
  for (const c of changes) {
    if (c.op === 'add')
      await q.query(
        `INSERT INTO blocks (blocker_network, blocker_id, blocked_network, blocked_id, block_ref) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [c.blocker.network, c.blocker.id, c.blocked.network, c.blocked.id, c.ref ?? null],
      );
    else
      await q.query(`DELETE FROM blocks WHERE blocker_network = $1 AND blocker_id = $2 AND blocked_network = $3 AND blocked_id = $4`, [
        c.blocker.network,
        c.blocker.id,
        c.blocked.network,
        c.blocked.id,
      ]);
  }
}

/**
 * For the accounts of these actors, everyone who blocked them: account id → `<network>:<id>` of
 * every identity of each blocker's account (the blocker's own identity when it has no account).
 * A block of any identity of an account (their proxy on one network) counts against the account.
 */
export async function loadBlockers(q: Q, actors: ActorRef[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (!actors.length) return out;
  const rows: { blocked_account: string; key: string }[] = await q.query(
    `WITH acc AS (SELECT DISTINCT i.account_id FROM identities i
                    JOIN unnest($1::text[], $2::text[]) AS r(network, native_id) USING (network, native_id))
     SELECT DISTINCT bi.account_id AS blocked_account, k.key
       FROM blocks b
       JOIN identities bi ON bi.network = b.blocked_network AND bi.native_id = b.blocked_id AND bi.account_id IN (SELECT account_id FROM acc)
       LEFT JOIN identities ai ON ai.network = b.blocker_network AND ai.native_id = b.blocker_id
       LEFT JOIN identities aa ON aa.account_id = ai.account_id
       CROSS JOIN LATERAL (VALUES (b.blocker_network || ':' || b.blocker_id), (aa.network || ':' || aa.native_id)) AS k(key)
      WHERE k.key IS NOT NULL AND bi.account_id IS DISTINCT FROM ai.account_id`,
    [actors.map((a) => a.network), actors.map((a) => a.id)],
  );
  for (const r of rows) {
    let set = out.get(r.blocked_account);
    if (!set) out.set(r.blocked_account, (set = new Set()));
    set.add(r.key);
  }
  return out;
}
