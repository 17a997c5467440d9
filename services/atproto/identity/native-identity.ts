import type { DataSource } from 'typeorm';

export type NativeIdentityResult =
  | { ok: true; identityId: string; accountId: string; created: boolean }
  | { ok: false; status: 409; reason: string };

/**
 * Records that a person proved they own `did` (app password or OAuth): the native identity is
 * created, or found and re-verified, and its account opted in. A DID that is one of our own
 * bridged accounts is refused (no one can claim those through linking).
 */
export async function linkNativeIdentity(ds: DataSource, did: string, handle: string | undefined): Promise<NativeIdentityResult> {
  return ds.transaction(async (m) => {
    const found: { id: string; account_id: string; kind: string }[] = await m.query(`SELECT id, account_id, kind FROM identities WHERE network = 'atproto' AND native_id = $1 FOR UPDATE`, [did]);
    const existing = found[0];
    if (existing?.kind === 'bridged') return { ok: false as const, status: 409 as const, reason: 'this account is one of the bridge’s own' };
    if (existing) {
      await m.query(`UPDATE identities SET handle = $2, verified_at = now() WHERE id = $1`, [existing.id, handle ?? null]);
      await m.query(`UPDATE accounts SET consent = 'opted_in', updated_at = now() WHERE id = $1 AND status = 'active'`, [existing.account_id]);
      return { ok: true as const, identityId: existing.id, accountId: existing.account_id, created: false };
    }
    const [account]: { id: string }[] = await m.query(`INSERT INTO accounts (consent) VALUES ('opted_in') RETURNING id`);
    const [identity]: { id: string }[] = await m.query(
      `INSERT INTO identities (account_id, network, native_id, handle, kind, verified_at) VALUES ($1, 'atproto', $2, $3, 'native', now()) RETURNING id`,
      [account!.id, did, handle ?? null],
    );
    return { ok: true as const, identityId: identity!.id, accountId: account!.id, created: true };
  });
}
