/**
 * A person takes one of their own (native) identities out of their account.
 *
 * Decisions:
 * - Only a native identity: a bridged one is the bridge's proxy, stopped with mirror `off`.
 * - Refused (409) when it is the account's only native identity (that is opting out: the account
 *   would be proxies of nobody), and when posts of that identity have copies on other networks:
 *   the copies live under the account's proxies, shared with the person's other identities, so
 *   removing them would take the whole proxy down (what opting out does) and keeping them would
 *   leave copies whose original no account owns (edits and deletions would no longer reach them).
 *   The answer says how many copies and what to do (delete those posts first, or opt out).
 * - Otherwise the identity moves to an account of its own that is opted out, so nothing of it is
 *   bridged again (not even under an opt-out default policy), the credentials held for it are
 *   deleted, and the account's mirror choice for that network goes (it would name an account that
 *   is no longer theirs). One audit_log row, in the same transaction.
 */
import type { DataSource } from 'typeorm';
import type { Network } from '../../../libs/events/index.js';

export type IdentityRemoval =
  | { ok: true; accountId: string; network: Network; nativeId: string; handle: string | null; detachedAccountId: string }
  | { ok: false; status: 404 | 409; reason: string };

export async function removeNativeIdentity(ds: DataSource, accountId: string, network: Network): Promise<IdentityRemoval> {
  return ds.transaction(async (tx) => {
    const account: unknown[] = await tx.query(`SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, [accountId]);
    if (!account.length) return { ok: false, status: 404, reason: `no account with id ${accountId}` };
    const natives: { id: string; network: Network; native_id: string; handle: string | null }[] = await tx.query(
      `SELECT id, network, native_id, handle FROM identities WHERE account_id = $1 AND kind = 'native'`,
      [accountId],
    );
    const target = natives.find((i) => i.network === network);
    if (!target) return { ok: false, status: 404, reason: `this account has no own ${network} account linked (to stop your copies on ${network}, set mirror ${network} to off)` };
    if (natives.length === 1)
      return { ok: false, status: 409, reason: `your ${network} account is the only one of yours in this account: opt out instead (that removes your copies everywhere)` };
    const [{ n }]: { n: number }[] = await tx.query(
      `SELECT count(DISTINCT o.object_key)::int AS n FROM object_map o
        WHERE o.is_original AND o.owner_network = $1 AND o.owner_id = $2 AND o.deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM object_map c WHERE c.object_key = o.object_key AND NOT c.is_original)`,
      [network, target.native_id],
    );
    if (n > 0)
      return {
        ok: false,
        status: 409,
        reason: `${n} post(s) of your ${network} account have copies on other networks under this account's bridged identities: removing the account from here would orphan them. Delete those posts first, or opt out (which removes every copy)`,
      };
    const [detached]: { id: string }[] = await tx.query(`INSERT INTO accounts (consent) VALUES ('opted_out') RETURNING id`);
    await tx.query(`UPDATE identities SET account_id = $2 WHERE id = $1`, [target.id, detached!.id]);
    await tx.query(`DELETE FROM key_material WHERE identity_id = $1`, [target.id]);
    await tx.query(`UPDATE accounts SET mirror = mirror - $2::text, updated_at = now() WHERE id = $1`, [accountId, network]);
    await tx.query(`INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, 'identity.remove', $2, $3::jsonb)`, [
      `account:${accountId}`,
      `account:${accountId}`,
      JSON.stringify({ network, nativeId: target.native_id, detachedAccountId: detached!.id }),
    ]);
    return { ok: true, accountId, network, nativeId: target.native_id, handle: target.handle, detachedAccountId: detached!.id };
  });
}
