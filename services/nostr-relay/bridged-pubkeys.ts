/**
 * "Which of these pubkeys are bridged identities?" for the relay's write policy, from Postgres
 * (identities with network nostr, kind bridged: native_id is the hex pubkey) with an LRU in front.
 * Positives are cached for long (an identity's key never changes); negatives briefly, so a
 * person's first interaction with a just-provisioned identity is accepted within seconds.
 */
import type { DataSource } from 'typeorm';
import { Lru } from '../../libs/collections/index.js';

export interface BridgedPubkeysOptions {
  positiveTtlMs?: number;
  negativeTtlMs?: number;
  cacheSize?: number;
  now?: () => number;
}

export function bridgedPubkeys(ds: DataSource, o: BridgedPubkeysOptions = {}): (pubkeys: string[]) => Promise<Set<string>> {
  const cache = new Lru<{ bridged: boolean; at: number }>(o.cacheSize ?? 100_000);
  const now = o.now ?? Date.now;
  return async (pubkeys) => {
    const out = new Set<string>();
    const ask: string[] = [];
    for (const pk of new Set(pubkeys)) {
      const hit = cache.get(pk);
      const ttl = hit?.bridged ? (o.positiveTtlMs ?? 3_600_000) : (o.negativeTtlMs ?? 5_000);
      if (hit && now() - hit.at < ttl) {
        if (hit.bridged) out.add(pk);
      } else ask.push(pk);
    }
    if (ask.length) {
      const rows: { native_id: string }[] = await ds.query(`SELECT native_id FROM identities WHERE network = 'nostr' AND kind = 'bridged' AND native_id = ANY($1)`, [ask]);
      const found = new Set(rows.map((r) => r.native_id));
      for (const pk of ask) {
        cache.set(pk, { bridged: found.has(pk), at: now() });
        if (found.has(pk)) out.add(pk);
      }
    }
    return out;
  };
}
