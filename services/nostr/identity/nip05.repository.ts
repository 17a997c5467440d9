import type { DataSource } from 'typeorm';
import { NOSTR_BOT_PURPOSE, NOSTR_SIGNING_PURPOSE } from './constants.js';

const HEX_PUBKEY = /^[0-9a-f]{64}$/;

/**
 * The two reads behind nostr.json. The pubkey comes from key_material.public_key (the key we
 * actually sign with), so an identity without a key yet is not announced. Accounts taken down,
 * deleted or opted out stop verifying at once: a NIP-05 that still resolved would keep vouching
 * for an identity we no longer speak for.
 */
export class Nip05Repository {
  constructor(private readonly ds: DataSource) {}

  /** `handle` is the full lowercase `<name>@<domain>` (served by ix_identities_network_lower_handle). */
  async bridgedPubkey(handle: string): Promise<string | null> {
    const rows: { public_key: string | null }[] = await this.ds.query(
      `SELECT k.public_key
         FROM identities i
         JOIN accounts a ON a.id = i.account_id
         JOIN key_material k ON k.identity_id = i.id AND k.purpose = $2
        WHERE i.network = 'nostr' AND i.kind = 'bridged' AND lower(i.handle) = $1
          AND a.status = 'active' AND a.consent <> 'opted_out'
        ORDER BY i.created_at, i.id
        LIMIT 1`,
      [handle, NOSTR_SIGNING_PURPOSE],
    );
    return hex(rows[0]?.public_key);
  }

  /** The bridge's own key (identity null), if the adapter has created one. */
  async botPubkey(): Promise<string | null> {
    const rows: { public_key: string | null }[] = await this.ds.query(
      `SELECT public_key FROM key_material WHERE identity_id IS NULL AND purpose = $1`,
      [NOSTR_BOT_PURPOSE],
    );
    return hex(rows[0]?.public_key);
  }
}

function hex(value: string | null | undefined): string | null {
  return value && HEX_PUBKEY.test(value) ? value : null;
}
