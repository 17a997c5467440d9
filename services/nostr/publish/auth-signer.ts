/**
 * NIP-42 auth events signed as one of our bridged identities (by hex pubkey), for relays that
 * require authentication and for NIP-70 protected events. A pubkey that is not one of ours gets
 * no signature: we never authenticate as someone we do not hold the key of.
 */
import { finalizeEvent } from 'nostr-tools/pure';
import type { DataSource } from 'typeorm';
import type { NostrKeys } from '../identity/index.js';
import type { NostrEvent } from '../mapping/index.js';
import type { AuthSigner } from './relay-connection.js';

export function bridgedAuthSigner(ds: DataSource, keys: NostrKeys): AuthSigner {
  return async (pubkey, template) => {
    if (!/^[0-9a-f]{64}$/.test(pubkey)) return undefined;
    const rows: { id: string }[] = await ds.query(`SELECT id FROM identities WHERE network = 'nostr' AND kind = 'bridged' AND native_id = $1 LIMIT 1`, [pubkey]);
    if (!rows[0]) return undefined;
    const key = await keys.keyFor(rows[0].id);
    try {
      return key.pubkey === pubkey ? (finalizeEvent(template, key.secretKey) as NostrEvent) : undefined;
    } finally {
      key.secretKey.fill(0);
    }
  };
}
