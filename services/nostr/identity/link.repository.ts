import type { DataSource } from 'typeorm';
import { linkNativeIdentity } from '../../../libs/store/index.js';

export type LinkOutcome = { ok: true; accountId: string; created: boolean } | { ok: false; status: 404 | 409; reason: string };

/** Account and native identity rows for a person who proved they hold a Nostr key. */
export class NostrLinkRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Links `pubkey` as a native identity (into `intoAccount` when the person sent an account token)
   * and opts its account in. One of our own bridged keys cannot be claimed (libs/store native-link).
   */
  async link(pubkey: string, intoAccount?: string): Promise<LinkOutcome> {
    const r = await linkNativeIdentity(this.ds, { network: 'nostr', nativeId: pubkey, intoAccount });
    return r.ok ? { ok: true, accountId: r.accountId, created: r.created } : { ok: false, status: r.status, reason: r.reason };
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
