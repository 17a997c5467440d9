/**
 * People on other networks who follow a person's proxy there but are not bridged themselves (no
 * opted-in, active account here), so their follow is mirrored nowhere. Only what the bridge can see:
 *
 * - fediverse: the followers collection of the person's bridged actor (apex's store, `ap_streams`);
 *   the handle from the follower's actor document kept with it;
 * - Nostr: the newest kind 3 list of every author the ingest saw naming a bridged pubkey (kept by
 *   the Nostr ingest in `cursors` as `nostr:contacts:<pubkey>`); the handle is the npub;
 * - Bluesky: not visible. A follow is a record in the follower's own repo on their PDS; the bridge
 *   reads only the repos it watches (opted-in people and its own PDS), and follower lists need an
 *   AppView (`app.bsky.graph.getFollowers`), which the bridge does not run;
 * - Solid: not visible. A follow of a bridged pod is a notice in its inbox, and the Solid adapter
 *   keeps no follower list of bridged pods (it reads linked pods, not bridged ones).
 */
import type { DataSource } from 'typeorm';
import { npubEncode } from 'nostr-tools/nip19';
import type { Network } from '../../../libs/events/index.js';

export interface UnbridgedFollower {
  network: Network;
  id: string;
  handle: string | null;
  /** The proxy they follow. */
  follows: string;
}

/** Followers of the account's bridged identities, one row per (network, follower, proxy). */
const FOLLOWERS = `
  WITH proxies AS (SELECT network, native_id FROM identities WHERE account_id = $1 AND kind = 'bridged'),
  f AS (
    SELECT 'activitypub'::text AS network, s.actor AS id, p.native_id AS follows,
           -- apex keeps documents expanded: every value is an array.
           CASE WHEN jsonb_typeof(o.doc->'preferredUsername') = 'array' THEN o.doc->'preferredUsername'->>0 ELSE o.doc->>'preferredUsername' END AS username
      FROM proxies p JOIN ap_streams s ON s.collections @> ARRAY[p.native_id || '/followers']
      LEFT JOIN ap_objects o ON o.id = s.actor
     WHERE p.network = 'activitypub' AND s.actor IS NOT NULL
    UNION
    SELECT 'nostr', substr(c.name, length('nostr:contacts:') + 1), p.native_id, NULL
      FROM proxies p JOIN cursors c ON c.name LIKE 'nostr:contacts:%' AND (c.value::jsonb -> 'follows') ? p.native_id
     WHERE p.network = 'nostr'
  )
  SELECT f.* FROM f
   WHERE NOT EXISTS (SELECT 1 FROM identities i JOIN accounts a ON a.id = i.account_id
                      WHERE i.network = f.network AND i.native_id = f.id AND a.consent = 'opted_in' AND a.status = 'active')`;

export class UnbridgedFollowersRepository {
  constructor(private readonly ds: DataSource) {}

  async count(accountId: string): Promise<number> {
    const [row]: { n: number }[] = await this.ds.query(`SELECT count(DISTINCT (network, id))::int AS n FROM (${FOLLOWERS}) x`, [accountId]);
    return row?.n ?? 0;
  }

  /** Ordered by network then follower id; `after` is the last row's `network:id`. */
  async list(accountId: string, o: { after?: { network: string; id: string }; limit: number }): Promise<UnbridgedFollower[]> {
    const rows: { network: Network; id: string; follows: string; username: string | null }[] = await this.ds.query(
      `SELECT DISTINCT ON (network, id) network, id, follows, username FROM (${FOLLOWERS}) x
        WHERE $2::text IS NULL OR (network, id) > ($2::text, $3::text)
        ORDER BY network, id, follows LIMIT $4`,
      [accountId, o.after?.network ?? null, o.after?.id ?? null, o.limit],
    );
    return rows.map((r) => ({ network: r.network, id: r.id, handle: handleOf(r), follows: r.follows }));
  }
}

function handleOf(r: { network: Network; id: string; username: string | null }): string | null {
  if (r.network === 'nostr') return /^[0-9a-f]{64}$/.test(r.id) ? npubEncode(r.id) : null;
  if (r.network === 'activitypub' && r.username) {
    try {
      return `@${r.username}@${new URL(r.id).host}`;
    } catch {
      return null;
    }
  }
  return null;
}
