import type { DataSource } from 'typeorm';

export type LinkOutcome = { ok: true; accountId: string; created: boolean } | { ok: false; reason: string };

/** Account and native identity rows for a person who proved they hold a Nostr key. */
export class NostrLinkRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Links `pubkey` as a native identity and opts its account in, in one transaction. A pubkey that
   * is one of our own bridged keys cannot be claimed (it would let someone post as a proxy).
   */
  async link(pubkey: string): Promise<LinkOutcome> {
    return this.ds.transaction(async (m) => {
      const found: { account_id: string; kind: string }[] = await m.query(
        `SELECT account_id, kind FROM identities WHERE network = 'nostr' AND native_id = $1 FOR UPDATE`,
        [pubkey],
      );
      const existing = found[0];
      if (existing?.kind === 'bridged') return { ok: false, reason: 'this key is one of the bridge’s own identities' };
      if (existing) {
        await m.query(`UPDATE identities SET verified_at = now() WHERE network = 'nostr' AND native_id = $1`, [pubkey]);
        await m.query(`UPDATE accounts SET consent = 'opted_in', updated_at = now() WHERE id = $1 AND status = 'active'`, [existing.account_id]);
        return { ok: true, accountId: existing.account_id, created: false };
      }
      const [account]: { id: string }[] = await m.query(`INSERT INTO accounts (consent) VALUES ('opted_in') RETURNING id`);
      await m.query(`INSERT INTO identities (account_id, network, native_id, kind, verified_at) VALUES ($1, 'nostr', $2, 'native', now())`, [account!.id, pubkey]);
      return { ok: true, accountId: account!.id, created: true };
    });
  }

  /** Opts the account behind `pubkey` out; the proxies' removal is the opt-out flow's job (issue 7). */
  async unlink(pubkey: string): Promise<boolean> {
    const rows: { id: string }[] = await this.ds.query(
      `WITH a AS (SELECT account_id FROM identities WHERE network = 'nostr' AND native_id = $1 AND kind = 'native')
       UPDATE accounts SET consent = 'opted_out', updated_at = now() WHERE id IN (SELECT account_id FROM a) RETURNING id`,
      [pubkey],
    );
    return (Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows).length > 0;
  }
}
